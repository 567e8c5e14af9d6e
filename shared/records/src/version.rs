//! The version of a raw record, used for de-duplication and ordering.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::mapping::last_updated;

/// QBench `last_updated` (epoch seconds) when the record has a readable one;
/// otherwise `h` and a hash of the payload, so an unchanged record always gets
/// the same version and a changed one a new one.
pub fn version_of(raw: &Value) -> String {
    match last_updated(raw) {
        Ok(Some(seconds)) => seconds.to_string(),
        _ => {
            // serde_json keeps object keys sorted, so equal objects hash alike.
            let digest = Sha256::digest(raw.to_string().as_bytes());
            format!("h{}", &hex::encode(digest)[..16])
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn last_updated_is_the_version_in_either_form() {
        assert_eq!(
            version_of(&json!({"last_updated": "1683920116"})),
            "1683920116"
        );
        assert_eq!(
            version_of(&json!({"last_updated": 1683920116})),
            "1683920116"
        );
    }

    #[test]
    fn records_without_last_updated_hash_their_payload() {
        let a = version_of(&json!({"id": 1, "name": "a"}));
        assert!(a.starts_with('h'));
        assert_eq!(a, version_of(&json!({"name": "a", "id": 1})));
        assert_ne!(a, version_of(&json!({"id": 1, "name": "b"})));
    }
}
