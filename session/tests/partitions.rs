//! Partitions: isolation, the persistence journal, and re-checking what a store hands back
//! (checklist D21, the parts that do not need a disk).

use std::sync::{Arc, Mutex};

use electron_net_session::{
    AuthEntry, Change, CookieContext, CookieFilter, CookieJar, Credentials, FixedClock, Partitions,
    Persistence, ProtectionSpace, Rejection, SameSite, Snapshot, StoredCookie,
};

const NOW: i64 = FixedClock::HTTP_STATE_EPOCH;

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(NOW))
}

fn space(origin: &str) -> ProtectionSpace {
    ProtectionSpace {
        is_proxy: false,
        origin: origin.to_owned(),
        realm: "r".to_owned(),
        scheme: "basic".to_owned(),
    }
}

fn user(name: &str) -> Credentials {
    Credentials {
        username: name.to_owned(),
        password: "pw".to_owned(),
    }
}

/// A store in memory that records what it is asked.
#[derive(Default)]
struct Recorder {
    snapshot: Mutex<Snapshot>,
    loads: Mutex<Vec<String>>,
    commits: Mutex<Vec<(String, Vec<Change>)>>,
}

impl Persistence for Recorder {
    fn is_persistent(&self, partition: &str) -> bool {
        partition.starts_with("persist:")
    }

    fn load(&self, partition: &str) -> Snapshot {
        self.loads.lock().unwrap().push(partition.to_owned());
        self.snapshot.lock().unwrap().clone()
    }

    fn commit(&self, partition: &str, changes: Vec<Change>) {
        self.commits
            .lock()
            .unwrap()
            .push((partition.to_owned(), changes));
    }
}

#[test]
fn partitions_never_share_cookies_credentials_or_user_agents() {
    let partitions = Partitions::new(clock());
    let url = "http://a.test/";
    partitions.store_cookies("", &CookieContext::get(url), &["a=default".into()]);
    partitions.store_cookies("persist:x", &CookieContext::get(url), &["a=x".into()]);
    partitions.store_auth("", &space("http://a.test:80"), url, &user("default"));
    partitions.set_user_agent("other", Some("UA".into()));
    assert_eq!(
        partitions
            .cookie_header("", &CookieContext::get(url))
            .unwrap(),
        "a=default"
    );
    assert_eq!(
        partitions
            .cookie_header("persist:x", &CookieContext::get(url))
            .unwrap(),
        "a=x"
    );
    assert_eq!(
        partitions.cookie_header("other", &CookieContext::get(url)),
        None
    );
    assert_eq!(
        partitions.lookup_auth("", &space("http://a.test:80")),
        Some(user("default"))
    );
    assert_eq!(
        partitions.lookup_auth("persist:x", &space("http://a.test:80")),
        None
    );
    assert!(partitions.preemptive_auth("other", url).is_none());
    assert_eq!(partitions.user_agent("other").as_deref(), Some("UA"));
    assert_eq!(partitions.user_agent(""), None);
    assert!(
        partitions
            .get_cookies("other", &CookieFilter::default())
            .is_empty()
    );
}

#[test]
fn only_persisted_partitions_reach_the_store_one_batch_per_operation() {
    let store = Arc::new(Recorder::default());
    let partitions = Partitions::with_persistence(clock(), store.clone());
    let context = CookieContext::get("http://a.test/");
    partitions.store_cookies("", &context, &["a=1; Max-Age=60".into()]);
    partitions.store_cookies(
        "persist:p",
        &context,
        &["a=1; Max-Age=60".into(), "b=2".into()],
    );
    partitions.store_cookies("persist:p", &context, &["a=; Max-Age=0".into()]);
    // Reading changes nothing, so no batch.
    partitions.cookie_header("persist:p", &context);
    partitions.store_auth(
        "persist:p",
        &space("http://a.test:80"),
        "http://a.test/x",
        &user("u"),
    );
    assert_eq!(*store.loads.lock().unwrap(), ["persist:p"]);
    let commits = store.commits.lock().unwrap();
    assert_eq!(commits.len(), 3);
    assert!(commits.iter().all(|(p, _)| p == "persist:p"));
    assert!(
        matches!(&commits[0].1[..], [Change::Cookie(a), Change::Cookie(b)] if a.name == "a" && b.name == "b")
    );
    assert!(matches!(&commits[1].1[..], [Change::CookieRemoved(key)] if key.name == "a"));
    assert!(
        matches!(&commits[2].1[..], [Change::Auth(entry)] if entry.directory == "http://a.test/")
    );
}

/// A valid persisted cookie, to be spoiled field by field.
fn stored(name: &str) -> StoredCookie {
    StoredCookie {
        name: name.to_owned(),
        value: "v".to_owned(),
        domain: "example.com".to_owned(),
        host_only: false,
        path: "/".to_owned(),
        source_host: "www.example.com".to_owned(),
        secure: true,
        http_only: false,
        same_site: SameSite::Lax,
        expires: Some(NOW + 60),
        created: NOW - 60,
        seq: 7,
    }
}

#[test]
fn restoring_rechecks_every_cookie_and_drops_tampered_ones() {
    let tampered = vec![
        (
            StoredCookie {
                domain: "com".into(),
                source_host: "www.com".into(),
                ..stored("suffix")
            },
            Rejection::InvalidDomain,
        ),
        (
            StoredCookie {
                domain: "co.uk".into(),
                source_host: "a.co.uk".into(),
                ..stored("suffix2")
            },
            Rejection::InvalidDomain,
        ),
        (
            StoredCookie {
                domain: "bank.test".into(),
                ..stored("foreign")
            },
            Rejection::InvalidDomain,
        ),
        (
            StoredCookie {
                host_only: true,
                ..stored("host_only_mismatch")
            },
            Rejection::InvalidDomain,
        ),
        (
            StoredCookie {
                domain: "2.3.4".into(),
                source_host: "1.2.3.4".into(),
                ..stored("ip")
            },
            Rejection::InvalidDomain,
        ),
        (
            StoredCookie {
                source_host: "WWW.example.com".into(),
                ..stored("uncanonical")
            },
            Rejection::InvalidDomain,
        ),
        (
            StoredCookie {
                source_host: "www.example.com:80".into(),
                ..stored("port")
            },
            Rejection::InvalidDomain,
        ),
        (
            StoredCookie {
                value: "a\nSet-Cookie: x=y".into(),
                ..stored("newline")
            },
            Rejection::ControlCharacter,
        ),
        (
            StoredCookie {
                value: "a;b".into(),
                ..stored("semicolon")
            },
            Rejection::Malformed,
        ),
        (
            StoredCookie {
                name: String::new(),
                ..stored("")
            },
            Rejection::Malformed,
        ),
        (
            StoredCookie {
                path: "relative".into(),
                ..stored("path")
            },
            Rejection::Malformed,
        ),
        (
            StoredCookie {
                value: "v".repeat(5000),
                ..stored("huge")
            },
            Rejection::NameValueTooLarge,
        ),
        (
            StoredCookie {
                secure: false,
                ..stored("__Secure-x")
            },
            Rejection::InvalidPrefix,
        ),
        (
            StoredCookie {
                path: "/".into(),
                ..stored("__Host-x")
            },
            Rejection::InvalidPrefix,
        ),
        (
            StoredCookie {
                secure: false,
                same_site: SameSite::NoRestriction,
                ..stored("none")
            },
            Rejection::SameSiteNoneInsecure,
        ),
    ];
    let good = stored("good");
    let expired = StoredCookie {
        expires: Some(NOW),
        ..stored("expired")
    };
    let too_long = StoredCookie {
        expires: Some(NOW + 10_000 * 86_400),
        ..stored("too_long")
    };
    let mut snapshot: Vec<StoredCookie> = tampered.iter().map(|(c, _)| c.clone()).collect();
    snapshot.extend([good.clone(), expired.clone(), too_long.clone()]);

    let mut jar = CookieJar::new(clock());
    jar.enable_journal();
    let refused = jar.restore(snapshot);
    assert_eq!(refused, tampered);
    let kept: Vec<&str> = jar.cookies().map(|c| c.name.as_str()).collect();
    assert_eq!(kept, ["good", "too_long"]);
    assert_eq!(
        jar.cookie_header(&CookieContext::get("https://example.com/"))
            .unwrap(),
        "good=v; too_long=v"
    );
    // The store is told to delete the refused and expired rows and to shorten the long one.
    let changes = jar.take_changes();
    assert_eq!(changes.len(), tampered.len() + 2);
    assert!(changes.contains(&Change::CookieRemoved(expired.key())));
    assert!(changes.iter().any(|c| matches!(c, Change::Cookie(c) if c.name == "too_long" && c.expires == Some(NOW + 400 * 86_400))));
    // New cookies sort after restored ones created in the same second.
    let mut jar2 = CookieJar::new(clock());
    jar2.restore(vec![StoredCookie {
        created: NOW,
        seq: 41,
        ..good
    }]);
    jar2.store_set_cookie(&CookieContext::get("https://example.com/"), "new=1")
        .unwrap();
    assert_eq!(jar2.cookies().find(|c| c.name == "new").unwrap().seq, 42);
}

#[test]
fn every_cookie_the_jar_accepts_survives_a_restore() {
    let mut jar = CookieJar::new(clock());
    let lines = [
        ("http://a.test/x/y", "plain=1"),
        (
            "https://www.a.test/",
            "wide=2; Domain=a.test; Secure; HttpOnly; SameSite=None; Max-Age=9",
        ),
        ("https://a.test/", "__Host-h=3; Secure; Path=/"),
        ("https://a.test/", "__Secure-s=4; Secure; Domain=a.test"),
        ("http://127.0.0.1:8080/", "ip=5; Domain=127.0.0.1"),
        ("http://[::1]/", "v6=6"),
        ("http://xn--bcher-kva.test/", "idn=7; Path=/caf%C3%A9"),
        ("http://localhost/", "tab=a\tb; Domain=localhost"),
    ];
    for (url, line) in lines {
        jar.store_set_cookie(&CookieContext::get(url), line)
            .unwrap();
    }
    let all: Vec<StoredCookie> = jar.cookies().cloned().collect();
    let mut copy = CookieJar::new(clock());
    assert_eq!(copy.restore(all.clone()), []);
    assert_eq!(copy.cookies().cloned().collect::<Vec<_>>(), all);
}

/// A restore indexes keys (it is linear in the rows): a key given twice keeps the later row in
/// place, whatever the number of rows.
#[test]
fn a_large_restore_keeps_the_last_row_of_each_key() {
    let rows: Vec<StoredCookie> = (0..3000u64)
        .map(|i| StoredCookie {
            name: format!("c{}", i % 1000),
            value: format!("v{i}"),
            domain: format!("d{}.example", i % 100),
            source_host: format!("d{}.example", i % 100),
            seq: i,
            ..stored("template")
        })
        .collect();
    let mut jar = CookieJar::new(clock());
    assert_eq!(jar.restore(rows), []);
    // 1000 distinct (name, domain) keys; the per-domain limit is not reached (10 per domain).
    assert_eq!(jar.len(), 1000);
    for cookie in jar.cookies() {
        let n: u64 = cookie.name[1..].parse().unwrap();
        assert_eq!(cookie.value, format!("v{}", n + 2000), "{cookie:?}");
    }
}

#[test]
fn a_persisted_partition_is_loaded_once_and_purged_of_refused_rows() {
    let store = Arc::new(Recorder::default());
    *store.snapshot.lock().unwrap() = Snapshot {
        cookies: vec![
            stored("good"),
            StoredCookie {
                domain: "com".into(),
                ..stored("evil")
            },
        ],
        auth: vec![
            AuthEntry {
                space: space("https://example.com:443"),
                credentials: user("u"),
                directory: "https://example.com/app/".into(),
            },
            AuthEntry {
                space: space("https://example.com:443"),
                credentials: user("leak"),
                directory: "https://evil.test/".into(),
            },
        ],
    };
    let partitions = Partitions::with_persistence(clock(), store.clone());
    let context = CookieContext::get("https://www.example.com/");
    assert_eq!(
        partitions.cookie_header("persist:p", &context).unwrap(),
        "good=v"
    );
    assert_eq!(
        partitions.cookie_header("persist:p", &context).unwrap(),
        "good=v"
    );
    assert_eq!(
        partitions
            .preemptive_auth("persist:p", "https://example.com/app/x")
            .unwrap()
            .1,
        user("u")
    );
    assert!(
        partitions
            .preemptive_auth("persist:p", "https://evil.test/")
            .is_none()
    );
    assert_eq!(store.loads.lock().unwrap().len(), 1);
    let commits = store.commits.lock().unwrap();
    assert_eq!(
        commits.len(),
        1,
        "the purge of refused rows, right after loading"
    );
    assert_eq!(commits[0].1.len(), 2);
}
