//! The `electron:net/session-provider` world: the `session` and `cookie-admin` interfaces over
//! one set of in-memory [`Partitions`] from `electron-net-session`, so the JavaScript package
//! runs the very same jar and auth cache as the Rust host.
//!
//! Built by `electron-net-components` into `target/components/electron-net-session.wasm`, where
//! the JavaScript package and the standalone composition take it from. It is also the one place
//! the public suffix list is compiled into (`session.registrable-domain`).
//! Nothing here persists: `persist:` partitions live in memory like the others, and the time
//! comes from the wall clock (`wasi:clocks/wall-clock`).

mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "electron:net/session-provider",
    });
}

use std::sync::{Arc, LazyLock};

use bindings::exports::electron::net::cookie_admin as admin;
use bindings::exports::electron::net::session;
use bindings::exports::electron::net::types::Credentials;
use electron_net_session as shared;
use electron_net_session::{Partitions, SystemClock};

/// Every partition of this component instance.
static PARTITIONS: LazyLock<Partitions> = LazyLock::new(|| Partitions::new(Arc::new(SystemClock)));

struct Component;

impl session::Guest for Component {
    fn cookie_header(partition: String, context: session::CookieContext) -> Option<String> {
        PARTITIONS.cookie_header(&partition, &context_of(context))
    }

    fn store_cookies(partition: String, context: session::CookieContext, set_cookie: Vec<String>) {
        PARTITIONS.store_cookies(&partition, &context_of(context), &set_cookie);
    }

    fn lookup_auth(partition: String, space: session::ProtectionSpace) -> Option<Credentials> {
        PARTITIONS
            .lookup_auth(&partition, &space_of(space))
            .map(credentials_to_wit)
    }

    fn preemptive_auth(
        partition: String,
        url: String,
    ) -> Option<(session::ProtectionSpace, Credentials)> {
        PARTITIONS
            .preemptive_auth(&partition, &url)
            .map(|(space, credentials)| (space_to_wit(space), credentials_to_wit(credentials)))
    }

    fn store_auth(
        partition: String,
        space: session::ProtectionSpace,
        url: String,
        answer: Credentials,
    ) {
        let answer = shared::Credentials {
            username: answer.username,
            password: answer.password,
        };
        PARTITIONS.store_auth(&partition, &space_of(space), &url, &answer);
    }

    fn forget_auth(partition: String, space: session::ProtectionSpace) {
        PARTITIONS.forget_auth(&partition, &space_of(space));
    }

    fn user_agent(partition: String) -> Option<String> {
        PARTITIONS.user_agent(&partition)
    }

    fn registrable_domain(host: String) -> Option<String> {
        shared::site_domain(&host).map(str::to_owned)
    }
}

impl admin::Guest for Component {
    fn get(partition: String, filter: admin::CookieFilter) -> Vec<admin::Cookie> {
        let filter = shared::CookieFilter {
            url: filter.url,
            name: filter.name,
            domain: filter.domain,
            path: filter.path,
            secure: filter.secure,
            session: filter.session,
            http_only: filter.http_only,
        };
        PARTITIONS
            .get_cookies(&partition, &filter)
            .into_iter()
            .map(|c| admin::Cookie {
                name: c.name,
                value: c.value,
                domain: c.domain,
                host_only: c.host_only,
                path: c.path,
                secure: c.secure,
                http_only: c.http_only,
                session: c.session,
                expiration_date: c.expiration_date,
                same_site: same_site_to_wit(c.same_site),
            })
            .collect()
    }

    fn set(partition: String, details: admin::CookieDetails) -> Result<(), String> {
        let details = shared::CookieDetails {
            url: details.url,
            name: details.name,
            value: details.value,
            domain: details.domain,
            path: details.path,
            secure: details.secure,
            http_only: details.http_only,
            expiration_date: details.expiration_date,
            same_site: details.same_site.map(same_site_of),
        };
        PARTITIONS
            .set_cookie(&partition, &details)
            .map_err(|rejection| rejection.to_string())
    }

    fn remove(partition: String, url: String, name: String) {
        PARTITIONS.remove_cookie(&partition, &url, &name);
    }
}

fn context_of(context: session::CookieContext) -> shared::CookieContext {
    shared::CookieContext {
        url: context.url,
        method: context.method,
        initiator: context.initiator,
    }
}

fn space_of(space: session::ProtectionSpace) -> shared::ProtectionSpace {
    shared::ProtectionSpace {
        is_proxy: space.is_proxy,
        origin: space.origin,
        realm: space.realm,
        scheme: space.scheme,
    }
}

fn space_to_wit(space: shared::ProtectionSpace) -> session::ProtectionSpace {
    session::ProtectionSpace {
        is_proxy: space.is_proxy,
        origin: space.origin,
        realm: space.realm,
        scheme: space.scheme,
    }
}

fn credentials_to_wit(credentials: shared::Credentials) -> Credentials {
    Credentials {
        username: credentials.username,
        password: credentials.password,
    }
}

fn same_site_of(same_site: admin::SameSite) -> shared::SameSite {
    match same_site {
        admin::SameSite::Unspecified => shared::SameSite::Unspecified,
        admin::SameSite::NoRestriction => shared::SameSite::NoRestriction,
        admin::SameSite::Lax => shared::SameSite::Lax,
        admin::SameSite::Strict => shared::SameSite::Strict,
    }
}

fn same_site_to_wit(same_site: shared::SameSite) -> admin::SameSite {
    match same_site {
        shared::SameSite::Unspecified => admin::SameSite::Unspecified,
        shared::SameSite::NoRestriction => admin::SameSite::NoRestriction,
        shared::SameSite::Lax => admin::SameSite::Lax,
        shared::SameSite::Strict => admin::SameSite::Strict,
    }
}

bindings::export!(Component with_types_in bindings);
