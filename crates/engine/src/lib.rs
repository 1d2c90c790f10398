//! The assessment engine: pure, synchronous rules with no I/O.
