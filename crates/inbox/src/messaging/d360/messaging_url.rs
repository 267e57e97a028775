//! The messaging URL of the instance's number and the URLs derived from it. The key goes to no
//! other host: a media URL is fetched only through 360Dialog.

use super::D360Error;
use reqwest::Url;

/// Where 360Dialog's answers point for media: Facebook's CDN, which 360Dialog proxies.
const FACEBOOK_CDN_HOST: &str = "lookaside.fbsbx.com";

#[derive(Clone, Debug)]
pub(super) struct MessagingUrl {
    url: Url,
    /// Without a trailing `/`, e.g. `https://waba-v2.360dialog.io`.
    base: String,
}

impl MessagingUrl {
    pub(super) fn parse(raw: &str) -> Result<Self, D360Error> {
        let url = Url::parse(raw.trim())
            .map_err(|e| D360Error::Unexpected(format!("the messaging URL is not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(D360Error::Unexpected(
                "the messaging URL is not an http(s) URL".into(),
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(D360Error::Unexpected(
                "the messaging URL has a query or fragment".into(),
            ));
        }
        let base = url.as_str().trim_end_matches('/').to_owned();
        Ok(Self { url, base })
    }

    /// `path` below the messaging URL, e.g. `messages` or `v1/configs/templates`.
    pub(super) fn endpoint(&self, path: &str) -> Result<Url, D360Error> {
        Url::parse(&format!("{}/{}", self.base, path.trim_start_matches('/')))
            .map_err(|e| D360Error::Unexpected(format!("cannot form a URL for {path}: {e}")))
    }

    /// Where a media object's bytes are, for the `url` 360Dialog described it with: a Facebook
    /// CDN URL goes through 360Dialog (its origin replaced by the messaging URL, as 360Dialog
    /// documents), a URL on the messaging URL's origin as it is, and any other is refused.
    pub(super) fn media_download(&self, described: &str) -> Result<Url, D360Error> {
        let url = Url::parse(described)
            .map_err(|e| D360Error::Unexpected(format!("the media URL is not a URL: {e}")))?;
        if url.host_str() == Some(FACEBOOK_CDN_HOST) {
            let rest = match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_owned(),
            };
            return self.endpoint(&rest);
        }
        if url.origin() == self.url.origin()
            && url.username().is_empty()
            && url.password().is_none()
        {
            return Ok(url);
        }
        Err(D360Error::Unexpected(format!(
            "the media URL is on another host ({})",
            url.host_str().unwrap_or("none")
        )))
    }
}

/// A media id as one path segment: nothing that could step out of the messaging URL.
pub(super) fn media_id_segment(media_id: &str) -> Result<&str, D360Error> {
    let fits = !media_id.is_empty()
        && media_id.len() <= 256
        && media_id != "."
        && media_id != ".."
        && media_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if fits {
        Ok(media_id)
    } else {
        Err(D360Error::Unexpected(format!(
            "not a media id: {media_id:?}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waba() -> MessagingUrl {
        MessagingUrl::parse("https://waba-v2.360dialog.io/").expect("valid")
    }

    #[test]
    fn endpoints_are_below_the_messaging_url_with_or_without_its_trailing_slash() {
        let with_path = MessagingUrl::parse("http://127.0.0.1:8080/sandbox/360dialog").unwrap();
        assert_eq!(
            waba().endpoint("messages").unwrap().as_str(),
            "https://waba-v2.360dialog.io/messages"
        );
        assert_eq!(
            with_path
                .endpoint("/v1/configs/templates")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8080/sandbox/360dialog/v1/configs/templates"
        );
    }

    #[test]
    fn a_facebook_cdn_url_is_fetched_through_360dialog() {
        let cdn =
            "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=123&ext=99&hash=ab%2Bc";
        assert_eq!(
            waba().media_download(cdn).unwrap().as_str(),
            "https://waba-v2.360dialog.io/whatsapp_business/attachments/?mid=123&ext=99&hash=ab%2Bc"
        );
    }

    #[test]
    fn a_facebook_cdn_url_keeps_the_messaging_urls_path() {
        let sandbox = MessagingUrl::parse("http://localhost:3000/sandbox/360dialog/").unwrap();
        let cdn = "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=7";
        assert_eq!(
            sandbox.media_download(cdn).unwrap().as_str(),
            "http://localhost:3000/sandbox/360dialog/whatsapp_business/attachments/?mid=7"
        );
    }

    #[test]
    fn a_url_on_the_messaging_origin_is_fetched_as_given() {
        let own = "https://waba-v2.360dialog.io/whatsapp_business/attachments/?mid=1";
        assert_eq!(waba().media_download(own).unwrap().as_str(), own);
    }

    #[test]
    fn a_url_on_a_third_host_is_refused() {
        for elsewhere in [
            "https://evil.example/whatsapp_business/attachments/?mid=1",
            "https://lookaside.fbsbx.com.evil.example/x",
            "https://waba-v2.360dialog.io.evil.example/x",
            "http://waba-v2.360dialog.io/x",
            "https://waba-v2.360dialog.io:8443/x",
            "https://user:pass@waba-v2.360dialog.io/x",
            "file:///etc/passwd",
            "/relative/path",
        ] {
            assert!(
                matches!(
                    waba().media_download(elsewhere),
                    Err(D360Error::Unexpected(_))
                ),
                "{elsewhere} must be refused"
            );
        }
    }

    #[test]
    fn a_messaging_url_must_be_an_http_url() {
        for bad in ["", "waba-v2.360dialog.io", "ftp://x/", "https://x/?a=b"] {
            assert!(MessagingUrl::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn media_ids_are_single_path_segments() {
        assert_eq!(media_id_segment("1234567890").unwrap(), "1234567890");
        assert!(media_id_segment("wamid.HBgM-abc_1").is_ok());
        for bad in ["", ".", "..", "../messages", "a/b", "a?b", "a%2fb", "a#b"] {
            assert!(media_id_segment(bad).is_err(), "{bad:?}");
        }
    }
}
