//! Host bindings for the `electron:net/component` world, generated from `wit/`.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "electron:net/component",
    with: {
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
    },
    // Exports run on a fiber so that `blocking-poll-events` waits on the caller's runtime (the
    // WASI and wasi:http imports are linked in their async forms) instead of blocking a thread.
    exports: { default: async },
    additional_derives: [PartialEq],
    require_store_data_send: true,
});
