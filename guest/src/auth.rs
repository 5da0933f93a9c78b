//! Answers to `WWW-Authenticate` / `Proxy-Authenticate` challenges (Basic, RFC 7617; Digest,
//! RFC 7616), on top of the `http-auth` crate, which parses challenge lists and computes responses.

use crate::error::NetError;
use http_auth::{PasswordClient, PasswordParams};

/// The strongest challenge the component can answer, and enough state to answer it repeatedly
/// (Digest counts `nc` per nonce).
#[derive(Debug)]
pub struct Challenge {
    client: PasswordClient,
}

impl Challenge {
    /// Picks the best supported challenge from the header values (Digest over Basic), or none when
    /// nothing is supported or parsable: the 401/407 is then delivered as the response.
    pub fn pick<'a>(header_values: impl IntoIterator<Item = &'a str>) -> Option<Challenge> {
        let mut builder = PasswordClient::builder();
        for value in header_values {
            builder = builder.challenges(value);
        }
        builder.build().ok().map(|client| Challenge { client })
    }

    /// The scheme in lowercase, as Electron's `authInfo.scheme` shows it.
    pub fn scheme(&self) -> &'static str {
        match self.client {
            PasswordClient::Basic(_) => "basic",
            PasswordClient::Digest(_) => "digest",
            _ => "unknown",
        }
    }

    /// The realm named by the challenge.
    pub fn realm(&self) -> &str {
        match &self.client {
            PasswordClient::Basic(c) => c.realm(),
            PasswordClient::Digest(c) => c.realm(),
            _ => "",
        }
    }

    /// True for a Digest challenge with `stale=true`: the nonce expired but the credentials were
    /// right, so the request is retried with them, without asking anyone.
    pub fn is_stale(&self) -> bool {
        matches!(&self.client, PasswordClient::Digest(c) if c.stale())
    }

    /// The `Authorization` value for one request. `uri` is the request target (path and query).
    ///
    /// Fails with `ERR_INVALID_AUTH_CREDENTIALS` for a Basic user name containing `:` (RFC 7617
    /// §2), which no server could split correctly.
    pub fn authorization(
        &mut self,
        username: &str,
        password: &str,
        method: &str,
        uri: &str,
        body: Option<&[u8]>,
    ) -> Result<String, NetError> {
        if matches!(self.client, PasswordClient::Basic(_)) && username.contains(':') {
            return Err(NetError::InvalidAuthCredentials);
        }
        self.client
            .respond(&PasswordParams {
                username,
                password,
                uri,
                method,
                body,
            })
            .map_err(|_| NetError::InvalidAuthCredentials)
    }
}

/// A Basic `Authorization` value for credentials from the auth cache, sent before any challenge.
pub fn basic_authorization(username: &str, password: &str) -> Option<String> {
    (!username.contains(':')).then(|| http_auth::basic::encode_credentials(username, password))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_encodes_rfc7617_examples() {
        assert_eq!(
            basic_authorization("Aladdin", "open sesame").unwrap(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(
            basic_authorization("test", "123\u{a3}").unwrap(),
            "Basic dGVzdDoxMjPCow=="
        );
    }

    #[test]
    fn basic_rejects_colon_in_user_name() {
        assert_eq!(basic_authorization("a:b", "x"), None);
        let mut challenge = Challenge::pick(["Basic realm=\"r\""]).unwrap();
        assert_eq!(
            challenge.authorization("a:b", "x", "GET", "/", None),
            Err(NetError::InvalidAuthCredentials)
        );
    }

    #[test]
    fn digest_is_preferred_over_basic() {
        let challenge = Challenge::pick([
            "Basic realm=\"b\"",
            "Digest realm=\"d\", nonce=\"n\", qop=\"auth\"",
        ])
        .unwrap();
        assert_eq!(challenge.scheme(), "digest");
        assert_eq!(challenge.realm(), "d");
        assert!(!challenge.is_stale());
    }

    #[test]
    fn stale_digest_is_recognised() {
        let challenge =
            Challenge::pick(["Digest realm=\"d\", nonce=\"n2\", qop=\"auth\", stale=true"])
                .unwrap();
        assert!(challenge.is_stale());
    }

    #[test]
    fn unsupported_or_garbage_challenges_give_none() {
        assert!(Challenge::pick(["Negotiate"]).is_none());
        assert!(Challenge::pick(["\u{1}\u{2}"]).is_none());
        assert!(Challenge::pick([]).is_none());
    }

    /// RFC 7616 §3.9.1: the same challenge answered with MD5 and SHA-256.
    fn rfc7616_response(algorithm: &str) -> String {
        let challenge = format!(
            "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", \
             algorithm={algorithm}, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", \
             opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""
        );
        let Challenge {
            client: PasswordClient::Digest(mut digest),
        } = Challenge::pick([challenge.as_str()]).unwrap()
        else {
            panic!("a digest challenge");
        };
        digest
            .respond_with_testing_cnonce(
                &PasswordParams {
                    username: "Mufasa",
                    password: "Circle of Life",
                    uri: "/dir/index.html",
                    method: "GET",
                    body: None,
                },
                "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
            )
            .unwrap()
    }

    #[test]
    fn digest_md5_matches_rfc7616_vector() {
        let header = rfc7616_response("MD5");
        assert!(
            header.contains("response=\"8ca523f5e9506fed4657c9700eebdbec\""),
            "{header}"
        );
        assert!(header.contains("nc=00000001"), "{header}");
    }

    #[test]
    fn digest_sha256_matches_rfc7616_vector() {
        let header = rfc7616_response("SHA-256");
        assert!(
            header.contains(
                "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\""
            ),
            "{header}"
        );
    }

    #[test]
    fn digest_with_unknown_algorithm_is_not_answered() {
        assert!(Challenge::pick(["Digest realm=\"r\", nonce=\"n\", algorithm=MD6"]).is_none());
    }

    #[test]
    fn digest_nonce_count_increments() {
        let mut challenge =
            Challenge::pick(["Digest realm=\"r\", nonce=\"abc\", qop=\"auth\""]).unwrap();
        let first = challenge.authorization("u", "p", "GET", "/", None).unwrap();
        let second = challenge.authorization("u", "p", "GET", "/", None).unwrap();
        assert!(first.contains("nc=00000001"), "{first}");
        assert!(second.contains("nc=00000002"), "{second}");
    }
}
