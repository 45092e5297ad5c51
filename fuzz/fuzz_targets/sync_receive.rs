#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    coachline_fuzz::sync_receive(data);
});
