//! Quantitative risk (FAIR): calibrated ranges of a risk's annual loss, the currency and
//! risk appetite, and the Monte Carlo analysis of every risk and the portfolio.

pub mod service;
