//! Shared test fixtures: a store per test on each backend.

#![allow(dead_code)]

#[cfg(feature = "postgres")]
pub mod pg;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use stormcraft_runtime::Store;

/// A directory removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "stormcraft-rt-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A store plus whatever must outlive it. Fields drop in order: the store first.
pub struct Fixture {
    pub store: Store,
    pub url: String,
    _dir: Option<TempDir>,
}

pub fn memory() -> Option<Fixture> {
    Some(Fixture {
        store: stormcraft_runtime::open("memory:").unwrap(),
        url: "memory:".into(),
        _dir: None,
    })
}

pub fn sqlite() -> Option<Fixture> {
    let dir = TempDir::new("sqlite");
    let url = format!("sqlite:{}", dir.path().join("events.db").display());
    Some(Fixture {
        store: stormcraft_runtime::open(&url).unwrap(),
        url,
        _dir: Some(dir),
    })
}

#[cfg(feature = "postgres")]
/// The server shared by every test of this binary; each test gets its own database.
pub fn pg_server() -> Option<&'static pg::PgServer> {
    static SERVER: std::sync::OnceLock<Option<pg::PgServer>> = std::sync::OnceLock::new();
    SERVER.get_or_init(|| pg::PgServer::start(false)).as_ref()
}

#[cfg(feature = "postgres")]
pub fn postgres() -> Option<Fixture> {
    let url = pg_server()?.fresh_database();
    Some(Fixture {
        store: stormcraft_runtime::open(&url).unwrap(),
        url,
        _dir: None,
    })
}
