//! Loading the component: the engine, the compiled-component cache and the linker with every
//! import the component needs.

use std::fs;
use std::hash::Hash;
use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine};

use crate::bindings::ComponentPre;
use crate::error::Error;
use crate::state::HostState;

/// The component this crate was built with (`electron-net-client.wasm`, built by
/// `electron-net-components`).
pub const COMPONENT: &[u8] = electron_net_components::CLIENT;

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
///
/// A cached file is native code that runs in this process, so it is named by the SHA-256 of the
/// component and the engine's settings, written only by its owner (directory 0700, file 0600,
/// through a rename), and not loaded when anyone else could have written it.
fn load_component(
    engine: &Engine,
    bytes: &[u8],
    cache_dir: Option<&Path>,
) -> Result<Component, Error> {
    let Some(dir) = cache_dir else {
        return Ok(Component::new(engine, bytes)?);
    };
    let mut hasher = Sha256::new();
    hasher.update(bytes);
    engine
        .precompile_compatibility_hash()
        .hash(&mut DigestHasher(&mut hasher));
    let key: String = hasher.finalize()[..16]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let path = dir.join(format!("electron-net-{key}.cwasm"));
    if private(dir) && private(&path) {
        // SAFETY: the file was written by this user (no one else can write it or its directory),
        // under the hash of these exact bytes and engine settings; wasmtime checks its header.
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
            return Ok(component);
        }
    }
    let component = Component::new(engine, bytes)?;
    if let Ok(serialized) = component.serialize()
        && store_privately(dir, &path, &serialized).is_ok()
    {
        remove_stale_compilations(dir, &path);
    }
    Ok(component)
}

/// Feeds what a `Hash` value writes into a SHA-256 digest (wasmtime exposes the engine's
/// settings only as `impl Hash`).
struct DigestHasher<'a>(&'a mut Sha256);

impl std::hash::Hasher for DigestHasher<'_> {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// Never called by `Hash::hash`; the digest is read from the `Sha256` itself.
    fn finish(&self) -> u64 {
        0
    }
}

/// Writes `contents` to `path` in a directory only the owner can enter, all-or-nothing.
fn store_privately(dir: &Path, path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    if !private(dir) {
        return Err(std::io::Error::other(
            "the cache directory is writable by others",
        ));
    }
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .open(&temporary)
        .and_then(|mut file| file.write_all(contents).and_then(|()| file.sync_all()))
        .and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// Whether only the current user could have written `path` (always true off Unix, where the
/// user's cache directory is private by default).
fn private(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let user = unsafe { libc::geteuid() };
        fs::symlink_metadata(path).is_ok_and(|meta| meta.uid() == user && meta.mode() & 0o022 == 0)
    }
    #[cfg(not(unix))]
    {
        path.exists()
    }
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

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("electron-net-cache-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn cache_files_are_private_to_their_owner() {
        let dir = scratch("private").join("nested");
        let path = dir.join("electron-net-x.cwasm");
        store_privately(&dir, &path, b"compiled").unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(fs::read(&path).unwrap(), b"compiled");
        assert!(private(&dir) && private(&path));
        let _ = fs::remove_dir_all(dir.parent().unwrap());
    }

    #[test]
    fn a_cache_file_others_could_write_is_not_trusted() {
        let dir = scratch("shared");
        let path = dir.join("electron-net-x.cwasm");
        store_privately(&dir, &path, b"compiled").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).unwrap();
        assert!(!private(&path));
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
        assert!(!private(&dir));
        // Storing into a directory others can write is refused.
        assert!(store_privately(&dir, &dir.join("other.cwasm"), b"x").is_err());
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_tampered_cache_file_is_replaced_by_a_fresh_compilation() {
        let dir = scratch("tampered");
        let engine = Engine::new(&Config::new()).unwrap();
        // The empty component (magic, version 0x0d, layer 1) compiles in microseconds.
        let bytes = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
        load_component(&engine, &bytes, Some(&dir)).unwrap();
        let cached: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        assert_eq!(cached.len(), 1);
        fs::set_permissions(&cached[0], fs::Permissions::from_mode(0o666)).unwrap();
        load_component(&engine, &bytes, Some(&dir)).unwrap();
        assert_eq!(
            mode(&cached[0]),
            0o600,
            "the untrusted file was compiled and written again"
        );
        let _ = fs::remove_dir_all(&dir);
    }
}
