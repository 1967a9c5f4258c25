//! `--shard I/N`: splits recordings between machines by a stable hash of their id, so the same
//! recording always lands on the same shard, whatever the other inputs are.

use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Whether the recording with this id belongs to this shard.
    pub fn contains(&self, id: &str) -> bool {
        crate::recording::fnv1a(id.as_bytes()) % self.count == self.index - 1
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("expected I/N with 1 <= I <= N (e.g. 2/4), got {s:?}");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_partitions() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "1/0", "x", "1/", "/2", "-1/2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let ids: Vec<String> = (0..200).map(|i| format!("rec-{i}")).collect();
        for n in 1..6 {
            for id in &ids {
                let owners = (1..=n)
                    .filter(|i| {
                        Shard {
                            index: *i,
                            count: n,
                        }
                        .contains(id)
                    })
                    .count();
                assert_eq!(owners, 1, "{id} in {n} shards");
            }
        }
    }
}
