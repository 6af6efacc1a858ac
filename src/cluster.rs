//! Clustering: close copies joined transitively, loose ones around a centre, in a canonical
//! order.

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
    /// when the overlap alone decided and the pair is not a partial cover
    /// ([`crate::rule::is_close`]).
    pub block_share: Option<f64>,
    /// Share of the shared shingles in each article's densest passage, the smaller of the two
    /// ([`crate::rule::passage_share`]); `None` when it was not read.
    pub passage_share: Option<f64>,
    /// Share of the shared shingles inside quotation marks ([`crate::rule::Quoting`]); `None`
    /// when it was not read.
    pub quoted_share: Option<f64>,
    /// Which part of the rule made the pair copies.
    pub verdict: crate::rule::Verdict,
}

impl Edge {
    /// Whether the pair is a close copy ([`crate::rule::is_close`]: covered, and 80 % or more
    /// contained or edited throughout): close copies join clusters transitively, loose ones
    /// only to a cluster's centre ([`clusters`]).
    pub fn is_close(&self) -> bool {
        crate::rule::is_close(self.verdict, self.containment, self.block_share)
    }

    /// The edge of a verified pair, scored by the rule's judgement.
    pub fn new(a: u32, b: u32, judgement: &crate::rule::Judgement, estimate: f64) -> Self {
        Edge {
            a,
            b,
            jaccard: judgement.overlap.jaccard(),
            containment: judgement.overlap.containment_of_smaller(),
            estimate,
            block_share: judgement.block_share,
            passage_share: judgement.passage_share,
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

/// What the representative is chosen by; see [`clusters`].
pub trait RepresentativeKey {
    /// The article's date as `YYYY-MM-DD`, if known.
    fn date(&self, article: u32) -> Option<&str>;
    fn words(&self, article: u32) -> u32;
    /// A fingerprint of the article's content ([`crate::minhash::fingerprint`]): what orders
    /// articles of one date and length, so that clusters do not depend on the input order.
    fn fingerprint(&self, article: u32) -> u64;
    /// Already in the archive that new articles are checked against (`dedup check`).
    fn indexed(&self, _article: u32) -> bool {
        false
    }
}

/// What choosing a cluster's representative needs of each article, in article order: 24
/// bytes, while a run keeps the rest of its metadata (id, path, title: a few hundred bytes) in
/// a spill file until the sketches are freed, so the two never share the memory peak.
pub struct Ranks {
    /// `YYYY-MM-DD`, as the loader normalises every date.
    dates: Vec<Option<[u8; 10]>>,
    words: Vec<u32>,
    fingerprints: Vec<u64>,
    /// Articles from here on are indexed (`dedup check`).
    indexed_from: u32,
}

impl Default for Ranks {
    fn default() -> Self {
        Ranks {
            dates: Vec::new(),
            words: Vec::new(),
            fingerprints: Vec::new(),
            indexed_from: u32::MAX,
        }
    }
}

impl Ranks {
    /// The next article's date (`YYYY-MM-DD`, as the loader normalises dates), length and
    /// content fingerprint ([`crate::minhash::fingerprint`]).
    pub fn push(&mut self, date: Option<&str>, words: u32, fingerprint: u64) {
        self.dates
            .push(date.and_then(|d| d.as_bytes().try_into().ok()));
        self.words.push(words);
        self.fingerprints.push(fingerprint);
    }

    /// The content fingerprints pushed so far, in article order.
    pub fn fingerprints(&self) -> &[u64] {
        &self.fingerprints
    }

    /// Articles from `first` on are in the archive that new ones are checked against.
    pub fn indexed_from(&mut self, first: u32) {
        self.indexed_from = first;
    }
}

impl RepresentativeKey for Ranks {
    fn date(&self, a: u32) -> Option<&str> {
        std::str::from_utf8(self.dates[a as usize].as_ref()?).ok()
    }
    fn words(&self, a: u32) -> u32 {
        self.words[a as usize]
    }
    fn fingerprint(&self, a: u32) -> u64 {
        self.fingerprints[a as usize]
    }
    fn indexed(&self, a: u32) -> bool {
        a >= self.indexed_from
    }
}

/// The centre of every article's cluster, named by the root of the centre's group in
/// `groups` (the unions of close copies), or `None` for an article with no copy: the groups
/// are taken largest first, then by their best member ([`centre_order`]), and each one not
/// yet placed becomes a centre and takes every unplaced group with a `loose` match to it. An
/// article alone in its group whose loose matches were all placed under other centres is its
/// own centre, of a cluster of one, which [`clusters`] leaves out.
pub fn centres(
    groups: &mut UnionFind,
    loose: impl IntoIterator<Item = (u32, u32)>,
    key: &impl RepresentativeKey,
) -> Vec<Option<u32>> {
    let n = groups.parent.len();
    let root_of: Vec<u32> = (0..n as u32).map(|a| groups.find(a)).collect();
    let mut links: Vec<(u32, u32)> = loose
        .into_iter()
        .map(|(a, b)| (root_of[a as usize], root_of[b as usize]))
        .filter(|(x, y)| x != y)
        .flat_map(|(x, y)| [(x, y), (y, x)])
        .collect();
    links.sort_unstable();
    links.dedup();
    // The best member of every group that can take part in a cluster.
    let mut best: Vec<Option<u32>> = vec![None; n];
    for article in 0..n as u32 {
        let root = root_of[article as usize];
        let linked = links.binary_search_by_key(&root, |l| l.0).is_ok();
        if groups.size[root as usize] < 2 && !linked {
            continue;
        }
        let slot = &mut best[root as usize];
        if slot.is_none_or(|b| centre_order(key, article, b) == Ordering::Less) {
            *slot = Some(article);
        }
    }
    let mut order: Vec<u32> = best.iter().flatten().copied().collect();
    order.sort_by(|&x, &y| {
        let size = |a: u32| groups.size[root_of[a as usize] as usize];
        size(y).cmp(&size(x)).then_with(|| centre_order(key, x, y))
    });
    let mut centre: Vec<Option<u32>> = vec![None; n];
    for first in order {
        let root = root_of[first as usize];
        if centre[root as usize].is_some() {
            continue;
        }
        centre[root as usize] = Some(root);
        let start = links.partition_point(|l| l.0 < root);
        for &(_, other) in links[start..].iter().take_while(|l| l.0 == root) {
            centre[other as usize].get_or_insert(root);
        }
    }
    root_of.iter().map(|&r| centre[r as usize]).collect()
}

/// Groups articles by the verified `edges`; `groups` holds the unions of the close ones
/// ([`Edge::is_close`]).
///
/// Close copies join transitively: a reprint of a reprint is still the story. Loose ones (a
/// rewrite, an edited wire copy) do not chain: one loose match after another is how a week of
/// follow-ups, each reusing the day before's paragraphs, would become one cluster. So the
/// groups of close copies are taken largest first, then in the order of their best member
/// (as the representative is chosen, but by content before input order), and each group not
/// yet placed becomes a cluster's centre and takes every unplaced group with a loose match to
/// it ([`centres`]). A loose match between two groups
/// placed under different centres joins nothing, so an article with a loose copy may be in no
/// cluster.
///
/// Clusters are ordered by size, largest first, then by their first member, so the output is
/// the same whatever order the edges were found in. The representative is the earliest dated
/// article (the likely original); among equal dates, or when no member has a date, the
/// longest one (the most complete copy); then the first in input order, as a user who keeps
/// one article of each cluster expects. When new articles are checked against an index, an
/// indexed member wins first: the archive already holds the story.
/// `pairs` lists every edge inside a cluster when `all_pairs`, else a spanning tree: the close
/// edges that joined each group and, for each group placed under a centre, its first loose
/// edge to it.
pub fn clusters(
    groups: &mut UnionFind,
    mut edges: Vec<Edge>,
    key: &impl RepresentativeKey,
    all_pairs: bool,
) -> Vec<Cluster> {
    let n = groups.parent.len();
    edges.sort_by_key(|x| (x.a, x.b));
    let loose = edges.iter().filter(|e| !e.is_close()).map(|e| (e.a, e.b));
    let centre = centres(groups, loose, key);
    let centre_of = |a: u32| centre[a as usize];
    let mut by_centre: Vec<Option<usize>> = vec![None; n];
    let mut clusters: Vec<Cluster> = Vec::new();
    for article in 0..n as u32 {
        let Some(c) = centre_of(article) else {
            continue;
        };
        let slot = *by_centre[c as usize].get_or_insert_with(|| {
            clusters.push(Cluster {
                members: Vec::new(),
                representative: article,
                pairs: Vec::new(),
            });
            clusters.len() - 1
        });
        clusters[slot].members.push(article);
    }
    let mut placed = vec![false; n];
    for edge in edges {
        let Some(c) = centre_of(edge.a).filter(|&c| Some(c) == centre_of(edge.b)) else {
            continue;
        };
        let (ra, rb) = (groups.find(edge.a), groups.find(edge.b));
        let joins = all_pairs || edge.is_close() || {
            // Outside `all_pairs`, one loose edge shows how each group joined its centre.
            let group = if ra == c { rb } else { ra };
            ra != rb
                && (ra == c || rb == c)
                && !std::mem::replace(&mut placed[group as usize], true)
        };
        if joins {
            clusters[by_centre[c as usize].expect("members placed above")]
                .pairs
                .push(edge);
        }
    }
    clusters.retain(|c| c.members.len() > 1);
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

/// Earliest date first (undated last), then the longest; an indexed article before all.
fn representative_rank(key: &impl RepresentativeKey, x: u32, y: u32) -> Ordering {
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
}

/// The order of [`Cluster::representative`]: the first in input order among equals.
fn representative_order(key: &impl RepresentativeKey, x: u32, y: u32) -> Ordering {
    representative_rank(key, x, y).then(x.cmp(&y))
}

/// The order in which groups become centres ([`centres`]): that of the representative, but
/// among articles of one date and length the content decides before the input order, so
/// that which articles cluster together does not depend on the order of the input lines (nor
/// do the candidate pairs: [`crate::lsh::content_order`]). Only identical texts tie on the
/// fingerprint, and those are one group whenever they are paired.
fn centre_order(key: &impl RepresentativeKey, x: u32, y: u32) -> Ordering {
    representative_rank(key, x, y)
        .then(key.fingerprint(x).cmp(&key.fingerprint(y)))
        .then(x.cmp(&y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    struct Meta(Vec<(Option<&'static str>, u32)>);

    impl RepresentativeKey for Meta {
        fn date(&self, a: u32) -> Option<&str> {
            self.0[a as usize].0
        }
        fn words(&self, a: u32) -> u32 {
            self.0[a as usize].1
        }
        /// As if every text were the same: ties fall to the input order.
        fn fingerprint(&self, _: u32) -> u64 {
            0
        }
    }

    /// A close copy: nearly all of the smaller article in the other.
    fn edge(a: u32, b: u32) -> Edge {
        Edge {
            a,
            b,
            jaccard: 0.8,
            containment: 0.9,
            estimate: 0.8,
            block_share: None,
            passage_share: None,
            quoted_share: None,
            verdict: crate::rule::Verdict::Covered,
        }
    }

    fn loose(a: u32, b: u32) -> Edge {
        Edge {
            jaccard: 0.1,
            verdict: crate::rule::Verdict::Spread,
            ..edge(a, b)
        }
    }

    fn cluster(n: usize, edges: &[Edge], meta: &Meta) -> Vec<Cluster> {
        let mut sets = UnionFind::new(n);
        for e in edges.iter().filter(|e| e.is_close()) {
            sets.union(e.a, e.b);
        }
        clusters(&mut sets, edges.to_vec(), meta, false)
    }

    fn members(clusters: &[Cluster]) -> Vec<Vec<u32>> {
        clusters.iter().map(|c| c.members.clone()).collect()
    }

    /// A week of follow-ups, each reusing the day before's paragraphs: every day is a loose
    /// match of the next, and none of the first.
    #[test]
    fn loose_matches_do_not_chain() {
        let days = [
            "2024-03-01",
            "2024-03-02",
            "2024-03-03",
            "2024-03-04",
            "2024-03-05",
        ];
        let meta = Meta(days.iter().map(|d| (Some(*d), 300)).collect());
        let chain: Vec<Edge> = (0..4).map(|d| loose(d, d + 1)).collect();
        let clusters = cluster(5, &chain, &meta);
        assert_eq!(members(&clusters), vec![vec![0, 1], vec![2, 3]]);
        // A loose match to the first day joins it.
        let mut joined = chain.clone();
        joined.push(loose(0, 2));
        let clusters = cluster(5, &joined, &meta);
        assert_eq!(members(&clusters), vec![vec![0, 1, 2], vec![3, 4]]);
    }

    /// A live blog (1) that embeds the morning's preview (0), which carries an explainer
    /// published the day before (2): each pair is covered, but neither is nearly all in the
    /// other, so they do not chain: the explainer, the earliest, takes the preview only.
    #[test]
    fn partly_covered_articles_do_not_chain() {
        let meta = Meta(vec![
            (Some("2024-03-14"), 900),
            (Some("2024-03-15"), 2500),
            (Some("2024-03-13"), 1200),
        ]);
        let partly = |a, b, containment, block_share| Edge {
            jaccard: 0.3,
            containment,
            block_share: Some(block_share),
            ..edge(a, b)
        };
        let edges = [partly(0, 1, 0.71, 0.95), partly(0, 2, 0.6, 0.99)];
        assert!(edges.iter().all(|e| e.verdict.is_copy() && !e.is_close()));
        assert_eq!(members(&cluster(3, &edges, &meta)), vec![vec![0, 2]]);
        // Nearly all of the preview in the blog: a close copy, and the chain holds.
        let edges = [partly(0, 1, 0.85, 0.95), partly(0, 2, 0.6, 0.99)];
        assert_eq!(members(&cluster(3, &edges, &meta)), vec![vec![0, 1, 2]]);
        // So it does when the preview is an edited reprint of the blog's text, its shared
        // wording broken into short runs.
        let edges = [partly(0, 1, 0.71, 0.6), partly(0, 2, 0.6, 0.99)];
        assert_eq!(members(&cluster(3, &edges, &meta)), vec![vec![0, 1, 2]]);
    }

    /// The story is where its close copies agree: a rewrite published first (0) is placed
    /// with the group of close copies (1, 2), not made the centre that the other rewrite (3)
    /// would then miss.
    #[test]
    fn a_group_of_close_copies_is_placed_before_a_loose_match() {
        let meta = Meta(vec![
            (Some("2024-03-01"), 900),
            (Some("2024-03-01"), 300),
            (Some("2024-03-01"), 300),
            (None, 300),
        ]);
        let edges = [loose(0, 1), edge(1, 2), loose(2, 3)];
        let clusters = cluster(4, &edges, &meta);
        assert_eq!(members(&clusters), vec![vec![0, 1, 2, 3]]);
        assert_eq!(clusters[0].representative, 0);
        // A spanning tree: the close edge and one loose edge per placed group.
        assert_eq!(clusters[0].pairs, edges.to_vec());
        let more = [loose(0, 1), loose(0, 2), edge(1, 2), loose(2, 3)];
        let clusters = cluster(4, &more, &meta);
        assert_eq!(
            clusters[0].pairs,
            vec![loose(0, 1), edge(1, 2), loose(2, 3)]
        );
        let mut sets = UnionFind::new(4);
        sets.union(1, 2);
        let every = clusters_of_all(&mut sets, &more, &meta);
        assert_eq!(every[0].pairs, more.to_vec());
    }

    /// Two articles of one date and length compete to be the centre of a chain of loose
    /// matches: their content decides, not which one the input lists first, so every order of
    /// the same articles gives the same clusters. Which of the two represents the cluster is
    /// still the input's choice: the first, as a user keeping one article per story expects.
    #[test]
    fn the_same_articles_in_any_order_cluster_alike() {
        struct Keyed(Vec<(Option<&'static str>, u64)>);
        impl RepresentativeKey for Keyed {
            fn date(&self, a: u32) -> Option<&str> {
                self.0[a as usize].0
            }
            fn words(&self, _: u32) -> u32 {
                6
            }
            fn fingerprint(&self, a: u32) -> u64 {
                self.0[a as usize].1
            }
        }
        // Article 1 matches 0 and 2; 0 and 1 are dated alike, 2 is undated.
        let articles = [(Some("2024-03-16"), 7), (Some("2024-03-16"), 3), (None, 5)];
        let chain = [(0, 1), (1, 2)];
        let mut seen = BTreeSet::new();
        for order in [
            [0, 1, 2],
            [1, 0, 2],
            [2, 1, 0],
            [1, 2, 0],
            [0, 2, 1],
            [2, 0, 1],
        ] {
            let position = |article: u32| order.iter().position(|&o| o == article).unwrap() as u32;
            let key = Keyed(order.iter().map(|&o| articles[o as usize]).collect());
            let edges: Vec<Edge> = chain
                .iter()
                .map(|&(x, y)| {
                    let (a, b) = (position(x), position(y));
                    loose(a.min(b), a.max(b))
                })
                .collect();
            let clusters = clusters(&mut UnionFind::new(3), edges, &key, false);
            // The representative is still the first of the two in the input.
            let first = order.iter().find(|&&o| o != 2).unwrap();
            assert_eq!(order[clusters[0].representative as usize], *first);
            let as_articles: BTreeSet<BTreeSet<u32>> = clusters
                .iter()
                .map(|c| c.members.iter().map(|&m| order[m as usize]).collect())
                .collect();
            seen.insert(as_articles);
        }
        // Article 1 has the lower fingerprint, so it is the centre and takes both.
        let all: BTreeSet<u32> = [0, 1, 2].into();
        assert_eq!(seen, BTreeSet::from([BTreeSet::from([all])]));
    }

    fn clusters_of_all(sets: &mut UnionFind, edges: &[Edge], meta: &Meta) -> Vec<Cluster> {
        clusters(sets, edges.to_vec(), meta, true)
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
    fn ranks_keep_what_the_representative_is_chosen_by() {
        let mut ranks = Ranks::default();
        ranks.push(Some("2024-03-16"), 10, 7);
        ranks.push(None, 20, 3);
        assert_eq!(ranks.date(0), Some("2024-03-16"));
        assert_eq!(
            (ranks.date(1), ranks.words(1), ranks.fingerprint(1)),
            (None, 20, 3)
        );
        ranks.indexed_from(1);
        assert!(!ranks.indexed(0) && ranks.indexed(1));
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
