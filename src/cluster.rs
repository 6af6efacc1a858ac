//! Clustering: connected components of verified pairs, in a canonical order.

use std::cmp::Ordering;

/// Disjoint sets over article indices, with path halving and union by size.
#[derive(Clone, Debug)]
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    pub fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grandparent = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grandparent;
            x = grandparent;
        }
        x
    }

    /// Joins the sets of `a` and `b`; returns false if they were already one.
    pub fn union(&mut self, a: u32, b: u32) -> bool {
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        if self.size[ra as usize] < self.size[rb as usize] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb as usize] = ra;
        self.size[ra as usize] += self.size[rb as usize];
        true
    }
}

/// A verified pair: copies by the rule of [`crate::rule::judge`], with what it measured and the
/// MinHash estimate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Edge {
    pub a: u32,
    pub b: u32,
    pub jaccard: f64,
    /// Share of the smaller article's shingles found in the larger.
    pub containment: f64,
    pub estimate: f64,
    /// Share of the shared shingles in verbatim blocks ([`crate::rule::block_share`]); `None`
    /// when the overlap alone decided.
    pub block_share: Option<f64>,
    /// Share of the shared shingles inside quotation marks ([`crate::rule::Quoting`]); `None`
    /// when it was not read.
    pub quoted_share: Option<f64>,
    /// Which part of the rule made the pair copies.
    pub verdict: crate::rule::Verdict,
}

impl Edge {
    /// The edge of a verified pair, scored by the rule's judgement.
    pub fn new(a: u32, b: u32, judgement: &crate::rule::Judgement, estimate: f64) -> Self {
        Edge {
            a,
            b,
            jaccard: judgement.overlap.jaccard(),
            containment: judgement.overlap.containment_of_smaller(),
            estimate,
            block_share: judgement.block_share,
            quoted_share: judgement.quoted_share,
            verdict: judgement.verdict,
        }
    }
}

/// A group of articles that are copies of one story.
#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    /// Article indices in input order.
    pub members: Vec<u32>,
    pub representative: u32,
    /// The verified pairs inside the cluster, sorted by (a, b).
    pub pairs: Vec<Edge>,
}

/// What the representative is chosen by; see [`components`].
pub trait RepresentativeKey {
    /// The article's date as `YYYY-MM-DD`, if known.
    fn date(&self, article: u32) -> Option<&str>;
    fn words(&self, article: u32) -> u32;
    /// Already in the archive that new articles are checked against (`dedup check`).
    fn indexed(&self, _article: u32) -> bool {
        false
    }
}

/// Groups `n` articles by the verified `edges` (already unioned in `sets`).
///
/// Clusters are ordered by size, largest first, then by their first member, so the output is
/// the same whatever order the edges were found in. The representative is the earliest dated
/// article (the likely original); among equal dates, or when no member has a date, the
/// longest one (the most complete copy); then the first in input order. When new articles are
/// checked against an index, an indexed member wins first: the archive already holds the story.
pub fn components(
    sets: &mut UnionFind,
    edges: Vec<Edge>,
    key: &impl RepresentativeKey,
) -> Vec<Cluster> {
    let n = sets.parent.len();
    let mut by_root: Vec<Option<usize>> = vec![None; n];
    let mut clusters: Vec<Cluster> = Vec::new();
    for article in 0..n as u32 {
        let root = sets.find(article) as usize;
        if sets.size[root] < 2 {
            continue;
        }
        let slot = *by_root[root].get_or_insert_with(|| {
            clusters.push(Cluster {
                members: Vec::new(),
                representative: article,
                pairs: Vec::new(),
            });
            clusters.len() - 1
        });
        clusters[slot].members.push(article);
    }
    let mut edges = edges;
    edges.sort_by_key(|x| (x.a, x.b));
    for edge in edges {
        let root = sets.find(edge.a) as usize;
        if let Some(slot) = by_root[root] {
            clusters[slot].pairs.push(edge);
        }
    }
    for cluster in &mut clusters {
        cluster.representative = *cluster
            .members
            .iter()
            .min_by(|&&x, &&y| representative_order(key, x, y))
            .expect("clusters have at least two members");
    }
    clusters.sort_by(|x, y| {
        y.members
            .len()
            .cmp(&x.members.len())
            .then(x.members[0].cmp(&y.members[0]))
    });
    clusters
}

fn representative_order(key: &impl RepresentativeKey, x: u32, y: u32) -> Ordering {
    let by_date = match (key.date(x), key.date(y)) {
        (Some(dx), Some(dy)) => dx.cmp(dy),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    key.indexed(y)
        .cmp(&key.indexed(x))
        .then(by_date)
        .then(key.words(y).cmp(&key.words(x)))
        .then(x.cmp(&y))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Meta(Vec<(Option<&'static str>, u32)>);

    impl RepresentativeKey for Meta {
        fn date(&self, a: u32) -> Option<&str> {
            self.0[a as usize].0
        }
        fn words(&self, a: u32) -> u32 {
            self.0[a as usize].1
        }
    }

    fn edge(a: u32, b: u32) -> Edge {
        Edge {
            a,
            b,
            jaccard: 0.5,
            containment: 0.5,
            estimate: 0.5,
            block_share: None,
            quoted_share: None,
            verdict: crate::rule::Verdict::Covered,
        }
    }

    fn cluster(n: usize, edges: &[Edge], meta: &Meta) -> Vec<Cluster> {
        let mut sets = UnionFind::new(n);
        for e in edges {
            sets.union(e.a, e.b);
        }
        components(&mut sets, edges.to_vec(), meta)
    }

    #[test]
    fn transitive_pairs_form_one_cluster_and_singletons_are_left_out() {
        let meta = Meta(vec![(None, 10); 6]);
        let clusters = cluster(6, &[edge(3, 5), edge(0, 3), edge(1, 2)], &meta);
        let members: Vec<_> = clusters.iter().map(|c| c.members.clone()).collect();
        assert_eq!(members, vec![vec![0, 3, 5], vec![1, 2]]);
        assert_eq!(clusters[0].pairs, vec![edge(0, 3), edge(3, 5)]);
    }

    #[test]
    fn equal_sizes_are_ordered_by_first_member() {
        let meta = Meta(vec![(None, 10); 4]);
        let clusters = cluster(4, &[edge(2, 3), edge(0, 1)], &meta);
        assert_eq!(clusters[0].members, vec![0, 1]);
    }

    #[test]
    fn representative_is_earliest_then_longest_then_first() {
        let meta = Meta(vec![
            (Some("2024-03-16"), 100),
            (None, 900),
            (Some("2024-02-01"), 50),
            (Some("2024-02-01"), 60),
        ]);
        let c = cluster(4, &[edge(0, 1), edge(1, 2), edge(2, 3)], &meta);
        assert_eq!(c[0].representative, 3);
        let undated = Meta(vec![(None, 10), (None, 30), (None, 30)]);
        let c = cluster(3, &[edge(0, 1), edge(1, 2)], &undated);
        assert_eq!(c[0].representative, 1);
    }

    #[test]
    fn union_reports_whether_sets_merged() {
        let mut sets = UnionFind::new(3);
        assert!(sets.union(0, 1));
        assert!(!sets.union(1, 0));
        assert_eq!(sets.find(0), sets.find(1));
        assert_ne!(sets.find(0), sets.find(2));
    }
}
