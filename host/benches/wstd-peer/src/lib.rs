//! A minimal component doing the benchmark's requests with `wstd` 0.6, so that the electron:net
//! component can be compared with the best general-purpose client a component has, through the
//! same wasmtime host and network.

use wstd::http::body::util::BodyExt;
use wstd::http::body::{Body, Bytes};
use wstd::http::{Client, Request};

wit_bindgen::generate!({ world: "peer", path: "wit" });

struct Peer;

impl Guest for Peer {
    fn get(url: String) -> Result<u64, String> {
        wstd::runtime::block_on(async move {
            let request = Request::get(url).body(Body::empty()).map_err(text)?;
            read_response(request).await
        })
    }

    fn upload(url: String, total: u64, piece: u32) -> Result<u64, String> {
        wstd::runtime::block_on(async move {
            let chunk = Bytes::from(vec![b'x'; piece as usize]);
            let mut left = total;
            let pieces = futures_lite::stream::poll_fn(move |_| {
                let take = left.min(chunk.len() as u64) as usize;
                left -= take as u64;
                std::task::Poll::Ready((take > 0).then(|| chunk.slice(..take)))
            });
            let request = Request::post(url)
                .body(Body::from_stream(pieces))
                .map_err(text)?;
            read_response(request).await
        })
    }
}

/// Sends `request` and counts the response body's bytes as they stream in.
async fn read_response(request: Request<Body>) -> Result<u64, String> {
    let response = Client::new().send(request).await.map_err(text)?;
    let mut body = response.into_body().into_boxed_body();
    let mut length = 0;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.map_err(text)?.into_data() {
            length += data.len() as u64;
        }
    }
    Ok(length)
}

fn text(error: impl std::fmt::Display) -> String {
    error.to_string()
}

export!(Peer);
