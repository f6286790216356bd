use super::*;
use proptest::prelude::*;

/// 2026-11-01T00:00:00Z, a Sunday.
const DAY0: i64 = 1_793_491_200;

/// `days` days of runs at `hours` (UTC), the count of each from `count(day, hour)`,
/// oldest first.
fn series(days: i64, hours: &[u8], count: impl Fn(i64, u8) -> i64) -> Vec<Sample> {
    let mut out = Vec::new();
    for d in 0..days {
        for &h in hours {
            out.push(Sample {
                at: DAY0 + d * 86_400 + h as i64 * 3_600 + 40,
                records: count(d, h),
            });
        }
    }
    out
}

#[test]
fn a_run_that_writes_20_instead_of_about_1200_is_outside_its_band() {
    let mut runs = series(14, &[0, 6, 12, 18], |d, h| {
        1_180 + (d * 13 + h as i64 * 7) % 60
    });
    runs.push(Sample {
        at: DAY0 + 14 * 86_400 + 6 * 3_600 + 40,
        records: 20,
    });
    let u = assess(&runs, &Settings::default()).unwrap();
    let Usual::Outside { latest, band } = &u else {
        panic!("not flagged: {u:?}");
    };
    assert_eq!(latest.records, 20);
    assert_eq!(band.hour, Some(6));
    assert_eq!(band.runs, 14);
    assert!(band.low > 1_000 && band.high < 1_400, "{band:?}");
    let phrase = u.phrase("guides");
    assert!(
        phrase.starts_with("guides: 20 records, usually 1,") && phrase.ends_with(" at 06:00 UTC"),
        "{phrase}"
    );
    assert_eq!(u.state(), "unusual");
    assert_eq!(u.cell(), format!("20 ({})", band.phrase()));
    // The same count the day before is usual.
    runs.pop();
    runs.push(Sample {
        at: DAY0 + 14 * 86_400 + 6 * 3_600 + 40,
        records: 1_205,
    });
    let u = assess(&runs, &Settings::default()).unwrap();
    assert!(matches!(u, Usual::Within { .. }), "{u:?}");
    assert_eq!(u.state(), "usual");
}

#[test]
fn learning_until_min_runs_completed_runs_exist() {
    let runs = series(1, &[0, 6, 12, 18, 20], |_, _| 1_200);
    let mut wild = runs.clone();
    wild.last_mut().unwrap().records = 3;
    for r in [&runs, &wild] {
        let u = assess(r, &Settings::default()).unwrap();
        assert_eq!(u, Usual::Learning { runs: 5, needed: 8 });
        assert_eq!(u.phrase("guides"), "guides: learning (5 of 8 runs)");
        assert_eq!(u.cell(), "learning (5 of 8 runs)");
        assert_eq!((u.band(), u.latest()), (None, None));
    }
    // The configured minimum counts, not the default.
    let u = assess(&wild, &Settings::new(3.0, 5)).unwrap();
    assert!(matches!(u, Usual::Outside { .. }), "{u:?}");
    assert_eq!(assess(&[], &Settings::default()), None);
}

#[test]
fn runs_older_than_four_weeks_are_not_learned_from() {
    // Five weeks ago the sync wrote 20 every run; for the last four, about 1,200.
    let mut runs = series(7, &[6], |_, _| 20);
    runs.extend(series(28, &[6], |_, _| 1_200).into_iter().map(|mut s| {
        s.at += 7 * 86_400;
        s
    }));
    let u = assess(&runs, &Settings::default()).unwrap();
    let band = u.band().copied().unwrap();
    assert_eq!(band.runs, 27, "{band:?}");
    assert_eq!(band.median, 1_200);
}

#[test]
fn an_hour_with_too_few_runs_falls_back_to_every_hour() {
    // Runs at 06:00 for ten days, then one at 07:00.
    let mut runs = series(10, &[6], |d, _| 1_190 + d);
    runs.push(Sample {
        at: DAY0 + 10 * 86_400 + 7 * 3_600,
        records: 1_200,
    });
    let u = assess(&runs, &Settings::default()).unwrap();
    let band = u.band().unwrap();
    assert_eq!((band.hour, band.runs), (None, 10), "{band:?}");
    assert!(!band.phrase().contains(" at "), "{}", band.phrase());
    assert!(matches!(u, Usual::Within { .. }));
}

#[test]
fn a_flat_series_still_has_a_band() {
    let runs = series(10, &[6], |_, _| 42);
    let band = band_for(&runs, 6, &Settings::default());
    // Spread floor: max(5 % of 42, 2) = 2.1 records; 3 × 2.1 = 6.3.
    assert_eq!((band.low, band.median, band.high), (36, 42, 48));
    assert_eq!(band.phrase(), "usually 36–48 at 06:00 UTC");
    let big = series(10, &[6], |_, _| 1_200);
    let band = band_for(&big, 6, &Settings::default());
    assert_eq!((band.low, band.high), (1_020, 1_380));
    // A higher sensitivity widens it.
    let band = band_for(&big, 6, &Settings::new(4.0, 8));
    assert_eq!((band.low, band.high), (960, 1_440));
    // Never below zero.
    let small = series(10, &[6], |_, _| 1);
    assert_eq!(band_for(&small, 6, &Settings::default()).low, 0);
}

#[test]
fn the_median_and_mad_ignore_the_outliers_a_mean_would_follow() {
    // Two wiped runs in the history do not drag the band down to them.
    let mut runs = series(10, &[6], |d, _| if d < 2 { 0 } else { 1_200 + d });
    runs.push(Sample {
        at: DAY0 + 10 * 86_400 + 6 * 3_600,
        records: 600,
    });
    let u = assess(&runs, &Settings::default()).unwrap();
    assert!(matches!(u, Usual::Outside { .. }), "{u:?}");
    assert!(u.band().unwrap().low > 1_000, "{u:?}");
}

#[test]
fn a_spike_is_unusual_too() {
    let mut runs = series(10, &[6], |d, _| 1_200 + d % 3);
    runs.push(Sample {
        at: DAY0 + 10 * 86_400 + 6 * 3_600,
        records: 2_400,
    });
    let u = assess(&runs, &Settings::default()).unwrap();
    assert_eq!(
        u.phrase("features"),
        "features: 2,400 records, usually 1,021–1,381 at 06:00 UTC"
    );
}

#[test]
fn a_table_that_fell_far_is_named_with_both_counts() {
    let s = Settings::default();
    let before = vec![
        ("pendo_guides".to_string(), 548),
        ("pendo_features".to_string(), 1_200),
        ("pendo_pages".to_string(), 315),
        ("pendo_reports".to_string(), 0),
        ("pendo_old".to_string(), 77),
    ];
    let now = vec![
        ("pendo_guides".to_string(), 120),
        // 1,200 → 1,100 is under 15 %: usual churn.
        ("pendo_features".to_string(), 1_100),
        // Growth is not a drop.
        ("pendo_pages".to_string(), 9_000),
        ("pendo_reports".to_string(), 0),
        // New tables have nothing to compare with.
        ("pendo_events".to_string(), 10),
    ];
    assert_eq!(
        row_drop_lines(&before, &now, &s, 24 * 3_600),
        vec!["pendo_guides fell from 548 to 120 rows since yesterday"]
    );
    let drops = row_drops(&before, &now, &s);
    assert_eq!(
        drops,
        vec![RowDrop {
            table: "pendo_guides".into(),
            before: 548,
            now: 120
        }]
    );
    // Emptied: a drop; small tables need more than a few rows' change.
    let before = vec![("t".to_string(), 12_000), ("small".to_string(), 10)];
    let now = vec![("t".to_string(), 0), ("small".to_string(), 5)];
    assert_eq!(
        row_drop_lines(&before, &now, &s, 6 * 3_600),
        vec!["t fell from 12,000 to 0 rows in the last 6 h"]
    );
    // A stricter sensitivity flags smaller drops.
    let strict = Settings::new(1.0, 8);
    let lines = row_drop_lines(
        &[("pendo_features".to_string(), 1_200)],
        &[("pendo_features".to_string(), 1_100)],
        &strict,
        20 * 3_600,
    );
    assert_eq!(
        lines,
        vec!["pendo_features fell from 1,200 to 1,100 rows since yesterday"]
    );
    assert!(row_drops(&[], &now, &s).is_empty());
    // The time between the counts, in words.
    let d = &drops[0];
    assert_eq!(
        d.phrase(30 * 60),
        "pendo_guides fell from 548 to 120 rows in the last 1 h"
    );
    assert_eq!(
        d.phrase(3 * 86_400 + 3_600),
        "pendo_guides fell from 548 to 120 rows in the last 3 d"
    );
}

#[test]
fn usual_is_stored_with_a_state_tag() {
    let u = Usual::Learning { runs: 5, needed: 8 };
    let json = serde_json::to_string(&u).unwrap();
    assert_eq!(json, r#"{"state":"learning","runs":5,"needed":8}"#);
    assert_eq!(serde_json::from_str::<Usual>(&json).unwrap(), u);
}

/// A seasonal series: each UTC hour its own level (up to 50× apart, so a band that
/// ignored the hour would flag), every run within ±`wobble` % of its hour's level.
fn seasonal() -> impl Strategy<Value = (Vec<Sample>, Sample)> {
    let hours = prop::sample::subsequence((0u8..24).collect::<Vec<_>>(), 1..6);
    (hours, 8i64..28, 0i64..=5, any::<u64>()).prop_flat_map(|(hours, days, wobble, seed)| {
        let levels = prop::collection::vec(20i64..50_000, hours.len());
        let newest_hour = 0..hours.len();
        let draw = -wobble..=wobble;
        (levels, newest_hour, draw).prop_map(move |(levels, at, newest_wobble)| {
            // A deterministic wobble per run, within ±wobble % of the level.
            let noise = |i: i64| -> i64 {
                let x = seed
                    .wrapping_add(i as u64)
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    >> 33;
                (x % (2 * wobble as u64 + 1)) as i64 - wobble
            };
            let mut runs = Vec::new();
            for d in 0..days {
                for (i, h) in hours.iter().enumerate() {
                    let level = levels[i];
                    runs.push(Sample {
                        at: DAY0 + d * 86_400 + *h as i64 * 3_600 + 30,
                        records: level + level * noise(d * 24 + *h as i64) / 100,
                    });
                }
            }
            let level = levels[at];
            let newest = Sample {
                at: DAY0 + days * 86_400 + hours[at] as i64 * 3_600 + 30,
                records: level + level * newest_wobble / 100,
            };
            (runs, newest)
        })
    })
}

proptest! {
    #[test]
    fn a_series_within_its_seasonal_band_never_flags((mut runs, newest) in seasonal()) {
        runs.push(newest);
        let u = assess(&runs, &Settings::default()).unwrap();
        prop_assert!(matches!(u, Usual::Within { .. }), "{:?}", u);
        // Judged against its own hour once that hour has enough runs.
        prop_assert_eq!(u.band().unwrap().hour, Some(hour_of(newest.at)));
    }

    #[test]
    fn far_outside_the_band_always_flags((mut runs, newest) in seasonal(), factor in 2i64..10) {
        let low = Sample { records: newest.records / (factor * 2), ..newest };
        let high = Sample { records: newest.records * factor, ..newest };
        for odd in [low, high] {
            let mut r = runs.clone();
            r.push(odd);
            let u = assess(&r, &Settings::default()).unwrap();
            prop_assert!(matches!(u, Usual::Outside { .. }), "{:?}", u);
        }
        runs.truncate(6);
        runs.push(low);
        let learning = matches!(assess(&runs, &Settings::default()), Some(Usual::Learning { .. }));
        prop_assert!(learning);
    }
}

/// [`row_drops`] as the phrases the watch shows, `elapsed` seconds after the earlier count.
fn row_drop_lines(
    before: &[(String, u64)],
    now: &[(String, u64)],
    s: &Settings,
    elapsed: i64,
) -> Vec<String> {
    row_drops(before, now, s)
        .iter()
        .map(|d| d.phrase(elapsed))
        .collect()
}
