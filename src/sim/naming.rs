//! Names as Kubernetes controllers make them: the pod-template-hash of a ReplicaSet and the
//! random five-character suffixes of generated names, from a seeded generator so a `--seed`
//! gives the same world every time.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

/// Kubernetes' `rand.SafeEncodeString` alphabet: no vowels, no look-alike characters.
const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// The `pod-template-hash` of a pod template: FNV-32a of its JSON, its decimal digits mapped
/// through the safe alphabet, as the Deployment controller does.
pub fn template_hash(template: &Value) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in template.to_string().bytes() {
        hash ^= byte as u32;
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash.to_string()
        .bytes()
        .map(|b| ALPHABET[b as usize % ALPHABET.len()] as char)
        .collect()
}

/// Seeded names, uids and numbers for one simulation run.
pub struct Names {
    rng: ChaCha8Rng,
}

impl Names {
    pub fn new(seed: u64) -> Self {
        Names {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    pub fn suffix(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| ALPHABET[self.rng.random_range(0..ALPHABET.len())] as char)
            .collect()
    }

    pub fn uid(&mut self) -> String {
        let bytes: [u8; 16] = self.rng.random();
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }

    pub fn hex(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from_digit(self.rng.random_range(0..16), 16).unwrap_or('0'))
            .collect()
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.rng.random_range(0..n.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hashes_are_stable_and_safe() {
        let a = template_hash(&json!({"spec": {"containers": [{"image": "backend:1"}]}}));
        let b = template_hash(&json!({"spec": {"containers": [{"image": "backend:2"}]}}));
        assert_eq!(
            a,
            template_hash(&json!({"spec": {"containers": [{"image": "backend:1"}]}}))
        );
        assert_ne!(a, b);
        assert!(
            a.bytes().all(|c| ALPHABET.contains(&c)) && (9..=10).contains(&a.len()),
            "{a}"
        );
    }

    #[test]
    fn same_seed_same_names() {
        let (mut x, mut y) = (Names::new(7), Names::new(7));
        assert_eq!((x.suffix(5), x.uid()), (y.suffix(5), y.uid()));
    }
}
