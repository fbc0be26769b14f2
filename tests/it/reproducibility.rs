//! A path's numbers depend only on (seed, path index): the totals of a run are identical,
//! bit for bit, for any thread count and any split of the path range (MODEL.md §2).

use firesale::model::Model;

use crate::common::run_range;

fn crypto_unwind() -> Model {
    firesale::scenario::load("crypto-unwind").expect("built-in scenario")
}

/// One thread and two threads give equal totals and equal per-path rows.
#[test]
fn totals_do_not_depend_on_the_thread_count() {
    let model = crypto_unwind();
    let in_pool = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool")
            .install(|| run_range(&model, 0..3000, 64))
    };
    let one = in_pool(1);
    let two = in_pool(2);
    assert_eq!(one.totals, two.totals);
    assert_eq!(one.dump_rows, two.dump_rows);
    assert_eq!(one.dump_rows.len(), 64);
}

/// Merging the totals of [0, a) and [a, n), in either order, equals the totals of [0, n).
#[test]
fn totals_do_not_depend_on_how_the_paths_are_split() {
    let model = crypto_unwind();
    let whole = run_range(&model, 0..2500, 64).totals;
    for split in [1, 777, 1024, 2499] {
        let head = run_range(&model, 0..split, 64).totals;
        let tail = run_range(&model, split..2500, 64).totals;
        let mut forward = head.clone();
        forward.merge(&tail);
        let mut backward = tail;
        backward.merge(&head);
        assert_eq!(forward, whole, "split at {split}");
        assert_eq!(backward, whole, "split at {split}, merged tail first");
    }
}
