//! `electron-net demo`: a scripted tour against a loopback server in this process, so a newcomer
//! without network can watch what the component reports. Every step checks what it saw, which
//! makes the demo a smoke test for CI as well.

mod server;

use std::io::Cursor;
use std::process::ExitCode;

use anyhow::{bail, ensure};
use electron_net_host::{Client, Credentials, Event, RequestOptions};

use super::transfer::{self, Body, Reaction};
use super::{EXIT_FAILED, EngineArgs, trace};

/// Large enough for several `drain`s and progress reports, small enough to take no time.
const UPLOAD_SIZE: usize = 300 * 1024;

/// The tour's steps, in order.
#[derive(Clone, Copy)]
enum Step {
    Get,
    Redirects,
    Login,
    Upload,
    Abort,
}

impl Step {
    async fn run(self, client: &Client, base: &str) -> anyhow::Result<()> {
        match self {
            Step::Get => get(client, base).await,
            Step::Redirects => redirects(client, base).await,
            Step::Login => login(client, base).await,
            Step::Upload => upload(client, base).await,
            Step::Abort => abort(client, base).await,
        }
    }
}

const STEPS: [(&str, Step); 5] = [
    (
        "A GET. The request emits 'finish' and 'close' as soon as it is sent (Electron closes\n    \
         the request object early), then the response arrives and streams its body.",
        Step::Get,
    ),
    (
        "Two 302 redirects in a row. Each one is reported by a 'redirect' event and followed.",
        Step::Redirects,
    ),
    (
        "A page behind HTTP Basic authentication. The 401 becomes a 'login' event; answering\n    \
         it with a user name and password retries the request.",
        Step::Login,
    ),
    (
        "A chunked upload of 300 KiB, written piece by piece: whenever write() returns false\n    \
         the demo waits for 'drain'. The server answers with the byte count it received.",
        Step::Upload,
    ),
    (
        "A slow response, aborted when the first piece of its body arrives: 'abort', then the\n    \
         response closes without 'end'.",
        Step::Abort,
    ),
];

pub fn run(engine: &EngineArgs) -> ExitCode {
    match super::runtime().and_then(|runtime| runtime.block_on(tour(engine))) {
        Ok(0) => {
            println!("\nEvery step behaved as expected.");
            ExitCode::SUCCESS
        }
        Ok(failures) => {
            eprintln!(
                "electron-net demo: {failures} of {} steps misbehaved",
                STEPS.len()
            );
            ExitCode::from(EXIT_FAILED)
        }
        Err(error) => {
            eprintln!("electron-net demo: {error:#}");
            ExitCode::from(EXIT_FAILED)
        }
    }
}

/// Runs every step, even after a failure, and returns how many failed.
async fn tour(engine: &EngineArgs) -> anyhow::Result<usize> {
    let base = format!("http://{}", server::start()?);
    let client = super::client_builder(engine)?.build()?;
    println!("A loopback HTTP server is listening at {base}.");
    let mut failures = 0;
    for (number, (story, step)) in (1..).zip(STEPS) {
        println!("\n({number}) {story}");
        match step.run(&client, &base).await {
            Ok(()) => println!("    ok"),
            Err(error) => {
                println!("    FAILED: {error:#}");
                failures += 1;
            }
        }
    }
    Ok(failures)
}

async fn get(client: &Client, base: &str) -> anyhow::Result<()> {
    let events = watch(client, &format!("{base}/hello"), Body::Empty, |_| None).await?;
    expect_status(&events, 200)?;
    let text = body_text(&events);
    ensure!(text == server::GREETING, "unexpected body {text:?}");
    Ok(())
}

async fn redirects(client: &Client, base: &str) -> anyhow::Result<()> {
    let events = watch(client, &format!("{base}/redirect/2"), Body::Empty, |_| None).await?;
    let hops = count(&events, |event| matches!(event, Event::Redirect(_)));
    ensure!(hops == 2, "expected 2 redirect events, saw {hops}");
    expect_status(&events, 200)
}

async fn login(client: &Client, base: &str) -> anyhow::Result<()> {
    let events = watch(client, &format!("{base}/private"), Body::Empty, |event| {
        let Event::Login(_) = event else { return None };
        println!("    (answering as {}:{})", server::USER, server::PASSWORD);
        Some(Reaction::AnswerLogin(Some(Credentials {
            username: server::USER.into(),
            password: server::PASSWORD.into(),
        })))
    })
    .await?;
    let logins = count(&events, |event| matches!(event, Event::Login(_)));
    ensure!(logins == 1, "expected 1 login event, saw {logins}");
    expect_status(&events, 200)
}

async fn upload(client: &Client, base: &str) -> anyhow::Result<()> {
    let body = Body::Chunked(Box::new(Cursor::new(vec![b'x'; UPLOAD_SIZE])));
    let events = watch(client, &format!("{base}/upload"), body, |_| None).await?;
    let last_progress = events.iter().rev().find_map(|event| match event {
        Event::UploadProgress(progress) => Some((progress.current, progress.total)),
        _ => None,
    });
    let size = UPLOAD_SIZE as f64;
    ensure!(
        last_progress == Some((size, size)),
        "expected upload progress to end at {UPLOAD_SIZE}/{UPLOAD_SIZE}, saw {last_progress:?}"
    );
    expect_status(&events, 200)?;
    let answer = body_text(&events);
    ensure!(
        answer == server::received(UPLOAD_SIZE),
        "the server answered {answer:?}"
    );
    Ok(())
}

async fn abort(client: &Client, base: &str) -> anyhow::Result<()> {
    let events = watch(client, &format!("{base}/slow"), Body::Empty, |event| {
        let Event::Data(_) = event else { return None };
        println!("    (aborting)");
        Some(Reaction::Abort)
    })
    .await?;
    let after_abort: Vec<_> = events
        .iter()
        .skip_while(|event| !matches!(event, Event::Abort))
        .collect();
    ensure!(
        matches!(after_abort[..], [Event::Abort, Event::ResponseClose]),
        "expected 'abort' then the response's 'close' to end the transaction"
    );
    Ok(())
}

/// Sends a request with `body`, printing its events and letting `react` answer them; returns
/// them all.
async fn watch(
    client: &Client,
    url: &str,
    body: Body,
    mut react: impl FnMut(&Event) -> Option<Reaction>,
) -> anyhow::Result<Vec<Event>> {
    let method = match body {
        Body::Empty => "GET",
        _ => "POST",
    };
    println!("    {method} {url}");
    let options = RequestOptions {
        method: Some(method.into()),
        ..RequestOptions::url(url)
    };
    let mut request = client.request(&options).await?;
    let mut events = Vec::new();
    transfer::drive(&mut request, body, |event| {
        for line in trace::lines(&event) {
            println!("    {line}");
        }
        let reaction = react(&event).unwrap_or(Reaction::Nothing);
        events.push(event);
        Ok(reaction)
    })
    .await?;
    Ok(events)
}

fn expect_status(events: &[Event], expected: u16) -> anyhow::Result<()> {
    for event in events {
        match event {
            Event::Response(head) if head.status_code == expected => return Ok(()),
            Event::Response(head) => bail!("expected status {expected}, got {}", head.status_code),
            Event::Error(error) => bail!("the request failed: {}", error.message),
            _ => {}
        }
    }
    bail!("no response arrived")
}

fn body_text(events: &[Event]) -> String {
    let pieces = events.iter().filter_map(|event| match event {
        Event::Data(bytes) => Some(bytes.as_slice()),
        _ => None,
    });
    String::from_utf8_lossy(&pieces.flatten().copied().collect::<Vec<u8>>()).into_owned()
}

fn count(events: &[Event], wanted: impl Fn(&Event) -> bool) -> usize {
    events.iter().filter(|event| wanted(event)).count()
}
