//! Which files WhatsApp takes as media, by MIME type and size, as the Cloud API documents them
//! ("Supported media types"). Sizes are read as decimal megabytes: the stricter reading, so that
//! nothing accepted here is refused by WhatsApp for its size.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKind {
    Image,
    Video,
    Audio,
    Document,
    Sticker,
}

const MB: u64 = 1_000_000;

const IMAGE: &[&str] = &["image/jpeg", "image/png"];
const VIDEO: &[&str] = &["video/mp4", "video/3gpp"];
const AUDIO: &[&str] = &[
    "audio/aac",
    "audio/amr",
    "audio/mpeg",
    "audio/mp4",
    "audio/ogg",
];
const STICKER: &[&str] = &["image/webp"];
const DOCUMENT: &[&str] = &[
    "text/plain",
    "application/pdf",
    "application/vnd.ms-powerpoint",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
];

impl MediaKind {
    pub const ALL: [MediaKind; 5] = [
        Self::Image,
        Self::Video,
        Self::Audio,
        Self::Document,
        Self::Sticker,
    ];

    /// The kind a file of this MIME type is sent as; `None` when WhatsApp takes no such file.
    /// Parameters (`audio/ogg; codecs=opus`) and case do not matter.
    pub fn of_mime(mime: &str) -> Option<MediaKind> {
        let essence = mime.split(';').next().unwrap_or_default().trim();
        Self::ALL.into_iter().find(|kind| {
            kind.mime_types()
                .iter()
                .any(|known| known.eq_ignore_ascii_case(essence))
        })
    }

    /// The MIME types WhatsApp accepts for this kind, in lower case.
    pub fn mime_types(self) -> &'static [&'static str] {
        match self {
            Self::Image => IMAGE,
            Self::Video => VIDEO,
            Self::Audio => AUDIO,
            Self::Document => DOCUMENT,
            Self::Sticker => STICKER,
        }
    }

    pub fn max_bytes(self) -> u64 {
        match self {
            Self::Image => 5 * MB,
            Self::Video | Self::Audio => 16 * MB,
            Self::Document => 100 * MB,
            Self::Sticker => 500_000,
        }
    }

    /// Whether a message of this kind may have a caption (the Cloud API's media object takes
    /// `caption` for images, videos and documents only).
    pub fn takes_caption(self) -> bool {
        matches!(self, Self::Image | Self::Video | Self::Document)
    }

    /// The Cloud API's message `type`, also the name of the message's media object.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Video => "video",
            Self::Audio => "audio",
            Self::Document => "document",
            Self::Sticker => "sticker",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_documented_type_has_its_kind() {
        let cases = [
            ("image/jpeg", MediaKind::Image),
            ("image/png", MediaKind::Image),
            ("video/mp4", MediaKind::Video),
            ("video/3gpp", MediaKind::Video),
            ("audio/aac", MediaKind::Audio),
            ("audio/amr", MediaKind::Audio),
            ("audio/mpeg", MediaKind::Audio),
            ("audio/mp4", MediaKind::Audio),
            ("audio/ogg", MediaKind::Audio),
            ("image/webp", MediaKind::Sticker),
            ("text/plain", MediaKind::Document),
            ("application/pdf", MediaKind::Document),
            ("application/vnd.ms-powerpoint", MediaKind::Document),
            ("application/msword", MediaKind::Document),
            ("application/vnd.ms-excel", MediaKind::Document),
            (
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                MediaKind::Document,
            ),
            (
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                MediaKind::Document,
            ),
            (
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                MediaKind::Document,
            ),
        ];
        for (mime, kind) in cases {
            assert_eq!(MediaKind::of_mime(mime), Some(kind), "{mime}");
        }
    }

    #[test]
    fn parameters_case_and_spaces_do_not_matter() {
        assert_eq!(
            MediaKind::of_mime("audio/ogg; codecs=opus"),
            Some(MediaKind::Audio)
        );
        assert_eq!(MediaKind::of_mime(" Image/JPEG "), Some(MediaKind::Image));
        assert_eq!(
            MediaKind::of_mime("text/plain;charset=UTF-8"),
            Some(MediaKind::Document)
        );
    }

    #[test]
    fn types_whatsapp_does_not_take_have_no_kind() {
        for mime in [
            "",
            "image/gif",
            "image/svg+xml",
            "video/quicktime",
            "application/zip",
            "text/html",
            "image",
            "application/octet-stream",
        ] {
            assert_eq!(MediaKind::of_mime(mime), None, "{mime}");
        }
    }

    #[test]
    fn sizes_are_the_documented_limits() {
        assert_eq!(MediaKind::Image.max_bytes(), 5_000_000);
        assert_eq!(MediaKind::Video.max_bytes(), 16_000_000);
        assert_eq!(MediaKind::Audio.max_bytes(), 16_000_000);
        assert_eq!(MediaKind::Sticker.max_bytes(), 500_000);
        assert_eq!(MediaKind::Document.max_bytes(), 100_000_000);
    }

    #[test]
    fn the_name_is_the_cloud_api_message_type() {
        let names: Vec<_> = MediaKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names, ["image", "video", "audio", "document", "sticker"]);
    }

    #[test]
    fn the_type_lists_are_lower_case_and_disjoint() {
        let all: Vec<_> = MediaKind::ALL
            .iter()
            .flat_map(|kind| kind.mime_types())
            .collect();
        for mime in &all {
            assert_eq!(mime.to_ascii_lowercase(), **mime);
            assert_eq!(all.iter().filter(|m| m == &mime).count(), 1, "{mime}");
        }
    }
}
