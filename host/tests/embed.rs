//! An embedder with its own store data links the component through the public entry points.

use std::sync::Arc;

use electron_net_host::{
    COMPONENT, ElectronNetCtx, Network, NoCredentials, Sessions, add_to_linker,
};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

struct MyState {
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    /// Any `WasiHttpHooks` works; the crate's pooled `Network` is one.
    network: Network,
    net: ElectronNetCtx,
}

impl WasiView for MyState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for MyState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.network,
        }
    }
}

#[tokio::test]
async fn own_store_data_links_every_import_of_the_component() {
    let engine = Engine::default();
    let mut linker = Linker::<MyState>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).unwrap();
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).unwrap();
    add_to_linker(&mut linker, |state| &mut state.net).unwrap();
    let component = Component::new(&engine, COMPONENT).unwrap();
    let mut store = Store::new(
        &engine,
        MyState {
            table: ResourceTable::new(),
            wasi: WasiCtx::builder().build(),
            http: WasiHttpCtx::new(),
            network: Network::builder().build(),
            net: ElectronNetCtx {
                sessions: Arc::new(Sessions::new()),
                credentials: Arc::new(NoCredentials),
            },
        },
    );
    let instance = linker
        .instantiate_async(&mut store, &component)
        .await
        .unwrap();
    assert!(
        instance
            .get_export_index(&mut store, None, "electron:net/client@0.1.0")
            .is_some()
    );
}
