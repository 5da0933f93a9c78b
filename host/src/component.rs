//! Loading the component: the engine, the compiled-component cache and the linker with every
//! import the component needs.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;

use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine};

use crate::bindings::ComponentPre;
use crate::error::Error;
use crate::state::HostState;

/// The component this crate was built with (see `build.rs`).
pub const COMPONENT: &[u8] = include_bytes!(env!("ELECTRON_NET_COMPONENT"));

/// Compiles (or loads from `cache_dir`) `bytes` and links every import, ready to instantiate.
pub(crate) fn prepare(
    bytes: &[u8],
    cache_dir: Option<&Path>,
) -> Result<(Engine, ComponentPre<HostState>), Error> {
    let engine = Engine::new(&Config::new())?;
    let component = load_component(&engine, bytes, cache_dir)?;
    let mut linker = Linker::<HostState>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    repair_http_error_code(&mut linker)?;
    crate::state::add_to_linker(&mut linker, |state| &mut state.electron_net)?;
    let pre = ComponentPre::new(linker.instantiate_pre(&component)?)?;
    Ok((engine, pre))
}

/// Replaces wasmtime's `wasi:http/types.http-error-code` with one that also recognises the errors
/// wasmtime itself stores for failed body streams (see [`crate::network::stream_error_code`]).
fn repair_http_error_code(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    use wasmtime::component::Resource;
    use wasmtime_wasi::p2::IoError;
    use wasmtime_wasi_http::p2::bindings::http::types::ErrorCode;

    linker.allow_shadowing(true);
    let result = linker.instance("wasi:http/types@0.2.12")?.func_wrap(
        "http-error-code",
        |store, (error,): (Resource<IoError>,)| -> wasmtime::Result<(Option<ErrorCode>,)> {
            let error = store.data().table.get(&error)?;
            Ok((crate::network::stream_error_code(error),))
        },
    );
    linker.allow_shadowing(false);
    result
}

/// Loads a precompiled copy when the cache has one for these exact bytes and this engine,
/// otherwise compiles and stores one. Cache failures only cost the compilation.
fn load_component(
    engine: &Engine,
    bytes: &[u8],
    cache_dir: Option<&Path>,
) -> Result<Component, Error> {
    let Some(dir) = cache_dir else {
        return Ok(Component::new(engine, bytes)?);
    };
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let path = dir.join(format!("electron-net-{:016x}.cwasm", hasher.finish()));
    // SAFETY: the file is one this function wrote into the user's own cache directory, named by
    // the hash of the component and the engine's settings; wasmtime checks the header it wrote.
    if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
        return Ok(component);
    }
    let component = Component::new(engine, bytes)?;
    if let Ok(serialized) = component.serialize() {
        let temporary = path.with_extension(format!("tmp{}", std::process::id()));
        let stored = std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(&temporary, serialized))
            .and_then(|()| std::fs::rename(&temporary, &path));
        if stored.is_err() {
            let _ = std::fs::remove_file(&temporary);
        } else {
            remove_stale_compilations(dir, &path);
        }
    }
    Ok(component)
}

/// Other builds' compiled components (older guests or wasmtime versions) are never loaded again.
fn remove_stale_compilations(dir: &Path, current: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path != current && name.starts_with("electron-net-") && name.ends_with(".cwasm") {
            let _ = std::fs::remove_file(path);
        }
    }
}
