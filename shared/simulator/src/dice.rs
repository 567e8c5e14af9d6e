//! Stable per-record randomness.
//!
//! Details that do not change over a record's life (a phone number, whether
//! an optional field is null, whether the record carries an odd value) are
//! drawn at render time from a hash of the seed, the entity and the id, so
//! they cost no memory and come out the same on every request.

use mirror_records::Entity;

/// SplitMix64's finaliser: spreads `a` and `b` over all 64 bits.
pub(crate) fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A sequence of stable draws for one record.
#[derive(Debug, Clone)]
pub(crate) struct Dice {
    state: u64,
}

impl Dice {
    /// The draws of record `id` of `entity` in the lab seeded with `seed`.
    pub(crate) fn of(seed: u64, entity: Entity, id: u64) -> Dice {
        let salt = match entity {
            Entity::Customer => 1,
            Entity::Order => 2,
            Entity::Sample => 3,
            Entity::Test => 4,
            Entity::Batch => 5,
        };
        Dice {
            state: mix(mix(seed, salt), id),
        }
    }

    /// The next raw draw.
    pub(crate) fn next(&mut self) -> u64 {
        self.state = mix(self.state, 0x2545_F491_4F6C_DD1D);
        self.state
    }

    /// A number in `0..n` (`0` when `n` is zero).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// True `per_mille` times in a thousand.
    pub(crate) fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    /// One of `items`; `items` must not be empty.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let n = u64::try_from(items.len()).unwrap_or(u64::MAX);
        &items[usize::try_from(self.below(n)).unwrap_or(0)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_record_draws_the_same_numbers() {
        let mut a = Dice::of(7, Entity::Test, 42);
        let mut b = Dice::of(7, Entity::Test, 42);
        let mut c = Dice::of(7, Entity::Sample, 42);
        let (x, y, z) = (a.next(), b.next(), c.next());
        assert_eq!(x, y);
        assert_ne!(x, z);
    }

    #[test]
    fn chance_lands_near_its_rate() {
        let hits = (0..10_000)
            .filter(|&id| Dice::of(1, Entity::Order, id).chance(100))
            .count();
        assert!((800..1200).contains(&hits), "{hits}");
    }
}
