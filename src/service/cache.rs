//! Values computed from a whole register (heat-map counts, attention counts, the SoA's
//! derived columns, the Monte Carlo analysis), each kept with the register's generation it was
//! computed at (see migration 9) and used while that generation holds: one small query tells
//! whether a cached value is still true, on every instance sharing the database.

use crate::registers::evidence::domain::EvidenceSummary;
use crate::registers::quant::domain::Analysis;
use crate::registers::risk::domain::{RatingKind, RiskFilter};
use crate::registers::soa::domain::{MeasuresByControl, SoaRisks};
use std::collections::HashMap;
use std::sync::Arc;

/// A framework's id with the measure register's generation (the SoA's caches).
pub type FrameworkAt = (String, i64);

/// The owners and the tags in use in the asset register.
pub type AssetFacets = (Vec<String>, Vec<String>);

/// Values computed from a whole register (heat-map counts, attention counts), each kept with
/// the register's generation it was computed at and used while that generation holds.
pub struct GenerationCache<K, V>(std::sync::Mutex<Vec<(K, i64, V)>>);

impl<K, V> std::fmt::Debug for GenerationCache<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.lock().map(|c| c.len()).unwrap_or(0);
        write!(f, "GenerationCache({n} values)")
    }
}

impl<K, V> Default for GenerationCache<K, V> {
    fn default() -> Self {
        GenerationCache(std::sync::Mutex::new(Vec::new()))
    }
}

impl<K: PartialEq, V: Clone> GenerationCache<K, V> {
    /// The value for `key` at `generation`, if it was computed at that generation.
    pub fn get(&self, key: &K, generation: i64) -> Option<V> {
        self.0.lock().ok().and_then(|c| {
            c.iter()
                .find(|(k, g, _)| k == key && *g == generation)
                .map(|(_, _, v)| v.clone())
        })
    }

    pub fn put(&self, key: K, generation: i64, value: V) {
        if let Ok(mut c) = self.0.lock() {
            // Older generations are of no use once a newer one is seen.
            c.retain(|(k, g, _)| *k != key && *g >= generation);
            // Bounded: the oldest values go first.
            if c.len() >= 1024 {
                c.remove(0);
            }
            c.push((key, generation, value));
        }
    }
}

/// The caches of the use cases, shared by every request of an instance.
#[derive(Debug, Default)]
pub struct Caches {
    /// Heat-map counts by rating — (likelihood, impact, risks) — by risk-register generation.
    pub heat: GenerationCache<RatingKind, Vec<(i64, i64, i64)>>,
    /// Capped counts of risks by filter (the dashboard's attention lists), by generation.
    pub risk_counts: GenerationCache<RiskFilter, (i64, bool)>,
    /// The measures of every control, by framework and measure generation.
    pub soa_measures: GenerationCache<String, MeasuresByControl>,
    /// The applicable obligations of every control, by framework and obligation generation.
    pub soa_obligations:
        GenerationCache<String, crate::registers::obligation::service::ControlObligations>,
    /// The SoA's open risks per control (count and first ids), by (framework, measure
    /// generation) and risk generation.
    pub soa_risks: GenerationCache<FrameworkAt, SoaRisks>,
    /// The evidence of every control (direct and through its measures), by (framework,
    /// measure generation) and evidence generation.
    pub soa_evidence: GenerationCache<FrameworkAt, Arc<HashMap<String, EvidenceSummary>>>,
    /// The portfolio analysis by (iterations, seed, appetite) and risk + measure generations.
    pub analysis: GenerationCache<(u64, u64, String), Arc<Analysis>>,
    /// One risk's analysis by (risk, iterations, seed, appetite) and the same generations.
    pub risk_analysis: GenerationCache<(String, u64, u64, String), Arc<Analysis>>,
    /// The facts readiness rests on (counts over risks, measures and evidence), by day and
    /// the generations of those registers (`[risk, measure, evidence]`), at their sum.
    pub readiness_facts:
        GenerationCache<(String, [i64; 3]), crate::registers::readiness::domain::RiskFacts>,
    /// A published version's acknowledgement per department, by (document, version, day) and
    /// the generations of acknowledgements, the staff directory and the documents.
    pub ack_progress: GenerationCache<
        (String, i64, String, [i64; 3]),
        Vec<crate::registers::document::domain_ack::DepartmentAcks>,
    >,
    /// A campaign's progress per department, by (campaign, day) and the generations of
    /// training and the staff directory.
    pub campaign_progress: GenerationCache<
        (String, String, [i64; 2]),
        Vec<crate::registers::training::domain::DepartmentProgress>,
    >,
    /// Every asset's recovery requirement and gap, by the continuity register's generation
    /// (processes and exercises; the dashboard's next steps read it on every view).
    pub continuity_requirements:
        GenerationCache<(), Arc<Vec<crate::registers::continuity::domain::Requirement>>>,
    /// The incident metrics of those who see every incident, by day and the incident
    /// register's generation (a year of incidents is read to compute them).
    pub incident_metrics:
        GenerationCache<String, Arc<crate::registers::incident::domain_metrics::Metrics>>,
    /// The owners and tags in use (the asset page's filter menus), by the asset register's
    /// generation: at a million assets, reading them from their indexes took 2.3 ms of every
    /// view of the page.
    pub asset_facets: GenerationCache<(), Arc<AssetFacets>>,
    /// The organisation's time zone and when it was read: read again after `ZONE_TTL`, so an
    /// instance follows a change made on another within seconds without a query per request.
    pub zone: std::sync::Mutex<Option<(std::time::Instant, String)>>,
}

/// How long an instance keeps the organisation's time zone before reading it again.
pub const ZONE_TTL: std::time::Duration = std::time::Duration::from_secs(5);
