//! Events as `curl -v`-style lines, for `--trace` and the demo: `>` for the request object, `<`
//! for the response, `*` for everything else. Body bytes are never shown, only their count.

use electron_net_host::{Event, ResponseHead};

pub fn lines(event: &Event) -> Vec<String> {
    let line = match event {
        Event::Finish => "> finish".to_owned(),
        Event::Close => "> close".to_owned(),
        Event::Drain => "> drain".to_owned(),
        Event::Response(head) => {
            let headers = head.raw_headers.iter();
            return std::iter::once(format!("< {}", status_line(head)))
                .chain(headers.map(|(name, value)| format!("< {name}: {value}")))
                .collect();
        }
        Event::Data(bytes) => format!("< data {} bytes", bytes.len()),
        Event::End => "< end".to_owned(),
        Event::ResponseClose => "< close".to_owned(),
        Event::Redirect(info) => {
            format!(
                "* redirect {} {} -> {}",
                info.status_code, info.method, info.url
            )
        }
        Event::Login(info) => format!(
            "* login {} realm=\"{}\" {}:{}{}",
            info.scheme,
            info.realm,
            info.host,
            info.port,
            if info.is_proxy { " (proxy)" } else { "" }
        ),
        Event::UploadProgress(progress) => {
            format!("* upload-progress {}/{}", progress.current, progress.total)
        }
        Event::Abort => "* abort".to_owned(),
        Event::Error(error) => format!("* error {}", super::electron_message(error)),
    };
    vec![line]
}

/// `HTTP/1.1 200 OK`. The component reports 1.1 and synthesizes the reason phrase, since
/// neither crosses wasi:http.
pub fn status_line(head: &ResponseHead) -> String {
    format!(
        "HTTP/{}.{} {} {}",
        head.http_version_major, head.http_version_minor, head.status_code, head.status_message
    )
}
