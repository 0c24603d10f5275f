//! placeholder while written
