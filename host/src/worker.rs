//! Long-lived component instances ("workers"), each serving many requests one after another and
//! never shared between session partitions.
//!
//! A worker serves one request at a time. A `Store` runs one call at a time, and a request spends
//! most of its life inside `blocking-poll-events` waiting for the network, so requests sharing an
//! instance would queue behind each other's waits; with a worker per request in flight they stay
//! independent, a trap can only ever hit the one request that caused it, and the pool of idle
//! workers still pays instantiation (about 30 us plus first-touch memory) once per worker instead
//! of once per request.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use wasmtime::component::ResourceAny;
use wasmtime::{Engine, ResourceLimiter, Store};

use crate::bindings::{Component as Bindings, ComponentPre};
use crate::credentials::CredentialProvider;
use crate::error::Error;
use crate::network::Network;
use crate::session::SessionStore;
use crate::state::HostState;

/// When workers are replaced, and what one instance may hold.
///
/// A worker is recycled (dropped instead of returned to the pool) after `max_requests` requests,
/// when its linear memory has grown past `recycle_memory`, and at once after a trap. A request
/// that needs more than `memory_limit` of linear memory (a huge buffered body, say) fails with
/// `net::ERR_INSUFFICIENT_RESOURCES` instead of growing the process without bound.
#[derive(Clone, Copy, Debug)]
pub struct WorkerLimits {
    /// Requests a worker serves before it is replaced (default 10,000).
    pub max_requests: u32,
    /// Linear memory above which a worker is replaced after its request (default 16 MiB).
    pub recycle_memory: usize,
    /// Hard limit on one instance's linear memory (default 1 GiB).
    pub memory_limit: usize,
    /// Hard limit on the elements of one instance's tables (default 100,000).
    pub table_elements: usize,
    /// Idle workers kept per partition (default 64); more requests in flight create more workers,
    /// and the ones beyond this are dropped when their request ends.
    pub max_idle: usize,
}

impl Default for WorkerLimits {
    fn default() -> Self {
        WorkerLimits {
            max_requests: 10_000,
            recycle_memory: 16 << 20,
            memory_limit: 1 << 30,
            table_elements: 100_000,
            max_idle: 64,
        }
    }
}

/// The store's resource limiter: enforces [`WorkerLimits`] and remembers how much memory the
/// instance holds and whether a limit was hit.
pub(crate) struct Gauge {
    memory_limit: usize,
    table_elements: usize,
    /// Bytes of linear memory after the last growth.
    memory: usize,
    /// A growth was refused: the trap that follows is the limit's doing.
    exceeded: bool,
}

impl Gauge {
    fn new(limits: &WorkerLimits) -> Gauge {
        Gauge {
            memory_limit: limits.memory_limit,
            table_elements: limits.table_elements,
            memory: 0,
            exceeded: false,
        }
    }

    /// Whether a limit was hit since the worker was created.
    pub(crate) fn exceeded(&self) -> bool {
        self.exceeded
    }
}

impl ResourceLimiter for Gauge {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_limit {
            self.exceeded = true;
            return Ok(false);
        }
        self.memory = self.memory.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = desired <= self.table_elements;
        self.exceeded |= !allowed;
        Ok(allowed)
    }
}

/// One instance of the component in its own store.
pub(crate) struct Worker {
    pub(crate) store: Store<HostState>,
    pub(crate) instance: Bindings,
    /// The resource of the last request served, dropped when the worker is next checked out.
    pub(crate) finished: Option<ResourceAny>,
    served: u32,
}

/// The idle workers of every partition, and how to make new ones.
pub(crate) struct Workers {
    engine: Engine,
    pre: ComponentPre<HostState>,
    limits: WorkerLimits,
    sessions: Arc<dyn SessionStore>,
    credentials: Arc<dyn CredentialProvider>,
    idle: Mutex<HashMap<String, Vec<Worker>>>,
    instantiated: AtomicU64,
}

impl Workers {
    pub(crate) fn new(
        engine: Engine,
        pre: ComponentPre<HostState>,
        limits: WorkerLimits,
        sessions: Arc<dyn SessionStore>,
        credentials: Arc<dyn CredentialProvider>,
    ) -> Workers {
        Workers {
            engine,
            pre,
            limits,
            sessions,
            credentials,
            idle: Mutex::new(HashMap::new()),
            instantiated: AtomicU64::new(0),
        }
    }

    pub(crate) fn sessions(&self) -> &Arc<dyn SessionStore> {
        &self.sessions
    }

    pub(crate) fn credentials(&self) -> &Arc<dyn CredentialProvider> {
        &self.credentials
    }

    /// How many instances were created so far.
    pub(crate) fn instantiated(&self) -> u64 {
        self.instantiated.load(Ordering::Relaxed)
    }

    /// An idle worker of `partition`, or a new one; its requests go out through `network`.
    pub(crate) async fn checkout(
        &self,
        partition: &str,
        network: Network,
    ) -> Result<Worker, Error> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_mut(partition)
            .and_then(Vec::pop);
        let mut worker = match idle {
            Some(worker) => match self.drop_finished(worker).await {
                Some(worker) => worker,
                None => self.instantiate(network.clone()).await?,
            },
            None => self.instantiate(network.clone()).await?,
        };
        worker.store.data_mut().network = network;
        Ok(worker)
    }

    /// Drops the resource of the request the worker served last; a worker that traps doing so is
    /// discarded.
    async fn drop_finished(&self, mut worker: Worker) -> Option<Worker> {
        match worker.finished.take() {
            Some(resource) => resource
                .resource_drop_async(&mut worker.store)
                .await
                .ok()
                .map(|()| worker),
            None => Some(worker),
        }
    }

    async fn instantiate(&self, network: Network) -> Result<Worker, Error> {
        let state = HostState::new(
            network,
            self.sessions.clone(),
            self.credentials.clone(),
            Gauge::new(&self.limits),
        );
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.gauge);
        let instance = self.pre.instantiate_async(&mut store).await?;
        self.instantiated.fetch_add(1, Ordering::Relaxed);
        Ok(Worker {
            store,
            instance,
            finished: None,
            served: 0,
        })
    }

    /// Takes back a worker whose request is over, unless it is due for replacement.
    pub(crate) fn checkin(&self, partition: &str, mut worker: Worker) {
        worker.served += 1;
        let gauge = &worker.store.data().gauge;
        if worker.served >= self.limits.max_requests
            || gauge.memory > self.limits.recycle_memory
            || gauge.exceeded
        {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let workers = idle.entry(partition.to_owned()).or_default();
        if workers.len() < self.limits.max_idle {
            workers.push(worker);
        }
    }
}
