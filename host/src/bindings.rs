//! Host bindings for the `electron:net/component` world, generated from `wit/`.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "electron:net/component",
    with: {
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
    },
    additional_derives: [PartialEq],
    require_store_data_send: true,
});
