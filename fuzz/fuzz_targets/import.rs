#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| coachline_fuzz::import(data));
