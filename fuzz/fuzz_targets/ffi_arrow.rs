//! Arrow data through the C Data Interface, as a host's Arrow library hands it over: record batches
//! (and streams of them) whose columns have arbitrary names among the expected ones, arbitrary
//! types (native, labels as strings or dictionaries, timestamps, dates, floats where integers are
//! expected), nulls and values. Checks: documented statuses with a message (OK, INVALID_INPUT,
//! UNKNOWN_LABEL, EMPTY_INPUT), nothing handed out on a refusal; an accepted batch has the rows
//! given, goes into a store and a journey state (or is refused there whole), and a table goes out
//! as Arrow that reads back with the table's rows.
#![no_main]

use std::ptr::null_mut;
use std::sync::Arc;

use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema, from_ffi};
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{
    Array, ArrayRef, Date32Array, DictionaryArray, Float32Array, Float64Array, Int32Array,
    Int64Array, RecordBatch, RecordBatchIterator, StringArray, StructArray,
    TimestampMillisecondArray, TimestampSecondArray, UInt8Array, UInt64Array, types::Int32Type,
};
use engagement::arrow::{
    eng_journey_state_push_batch, eng_profile_store_push_batch, eng_table_to_arrow,
    eng_touchpoint_batch_columns, eng_touchpoint_batch_free, eng_touchpoint_batch_from_arrow,
    eng_touchpoint_batch_from_arrow_stream, eng_touchpoint_batch_len,
};
use engagement::eng_touchpoints;
use engagement::errors::eng_string_free;
use engagement::journey_state::{
    eng_journey_state_free, eng_journey_state_new, eng_journey_state_stage_table,
};
use engagement::profile_store::{
    eng_profile_store_free, eng_profile_store_new, eng_profile_store_profiles_json,
    eng_profile_store_push,
};
use engagement::status::eng_status;
use engagement::table::{eng_table_free, eng_table_rows};
use engagement_fuzz::{Bytes, checked, last_error};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 8] = [
    "customer",
    "time",
    "channel",
    "kind",
    "value",
    "rating",
    "rating_scale",
    "other",
];
const LABELS: [&str; 6] = ["web", "email", "purchase", "visit", "nps", "fax"];

/// A column of `n` rows of a type the input chooses.
fn column(input: &mut Bytes<'_>, n: usize) -> ArrayRef {
    let kind = input.u8() % 10;
    let nulls = input.u8() % 4 == 0;
    let mut vals = || -> Vec<u64> { (0..n).map(|_| input.u64() % 5_000_000_000).collect() };
    let v = vals();
    let null = |i: usize| nulls && i % 3 == 1;
    match kind {
        0 => Arc::new(UInt64Array::from_iter(
            (0..n).map(|i| (!null(i)).then_some(v[i] % 7)),
        )),
        1 => Arc::new(Int64Array::from_iter(
            (0..n).map(|i| (!null(i)).then_some(v[i] as i64 - 100)),
        )),
        2 => Arc::new(UInt8Array::from_iter(
            (0..n).map(|i| (!null(i)).then_some((v[i] % 20) as u8)),
        )),
        3 => {
            Arc::new(StringArray::from_iter((0..n).map(|i| {
                (!null(i)).then_some(LABELS[v[i] as usize % LABELS.len()])
            })))
        }
        4 => Arc::new(
            (0..n)
                .map(|i| (!null(i)).then_some(LABELS[v[i] as usize % LABELS.len()]))
                .collect::<DictionaryArray<Int32Type>>(),
        ),
        5 => Arc::new(Float64Array::from_iter(
            (0..n).map(|i| (!null(i)).then_some(v[i] as f64 / 100.0 - 5.0)),
        )),
        6 => Arc::new(Float32Array::from_iter(
            (0..n).map(|i| (!null(i)).then_some((v[i] % 12) as f32)),
        )),
        7 => Arc::new(TimestampSecondArray::from_iter(
            (0..n).map(|i| (!null(i)).then_some(v[i] as i64)),
        )),
        8 => Arc::new(TimestampMillisecondArray::from_iter(
            (0..n).map(|i| (!null(i)).then_some(v[i] as i64 * 997)),
        )),
        _ => Arc::new(Date32Array::from_iter(
            (0..n).map(|i| (!null(i)).then_some((v[i] % 40_000) as i32)),
        )),
    }
}

/// A record batch of up to 8 columns and 12 rows, as the input says.
fn batch(input: &mut Bytes<'_>) -> RecordBatch {
    let n = usize::from(input.u8() % 13);
    let mut columns: Vec<(&str, ArrayRef)> = Vec::new();
    for (k, name) in NAMES.iter().enumerate() {
        // The four required columns are usually there.
        if input.u8() % 8 != 0 || (k >= 4 && input.u8() % 2 == 0) {
            columns.push((name, column(input, n)));
        }
    }
    if columns.is_empty() {
        columns.push(("other", Arc::new(Int32Array::from(vec![0; n]))));
    }
    RecordBatch::try_from_iter(columns).expect("columns of one length")
}

fn accepted(status: eng_status, out: *mut engagement::arrow::eng_touchpoint_batch) -> bool {
    assert!(
        matches!(
            status,
            eng_status::Ok
                | eng_status::InvalidInput
                | eng_status::UnknownLabel
                | eng_status::EmptyInput
        ),
        "import gave {status:?}"
    );
    if status != eng_status::Ok {
        assert!(out.is_null(), "a refused import handed out a batch");
    }
    status == eng_status::Ok
}

fuzz_target!(|data: &[u8]| {
    let mut input = Bytes(data);
    let streamed = input.u8() % 3 == 0;
    let mut tps = null_mut();
    let (status, rows) = if streamed {
        let first = batch(&mut input);
        let schema = first.schema();
        let mut batches = vec![first];
        for _ in 0..input.u8() % 3 {
            let next = batch(&mut input);
            if next.schema() == schema {
                batches.push(next);
            }
        }
        let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
        let reader = RecordBatchIterator::new(batches.into_iter().map(Ok), schema);
        let mut stream = FFI_ArrowArrayStream::new(Box::new(reader));
        // SAFETY: a valid stream, moved by the call; `tps` writable.
        let st = checked(unsafe { eng_touchpoint_batch_from_arrow_stream(&mut stream, &mut tps) });
        (st, rows)
    } else {
        let b = batch(&mut input);
        let rows = b.num_rows();
        let structs = StructArray::from(b);
        let schema = FFI_ArrowSchema::try_from(structs.data_type()).expect("a schema");
        let mut array = FFI_ArrowArray::new(&structs.to_data());
        // SAFETY: valid structs; the array is moved by the call; `tps` writable.
        let st = checked(unsafe { eng_touchpoint_batch_from_arrow(&mut array, &schema, &mut tps) });
        assert!(array.is_released(), "the array was not moved");
        (st, rows)
    };
    if !accepted(status, tps) {
        return;
    }
    let mut len = 0usize;
    // SAFETY: a live batch; `len` writable.
    assert_eq!(
        checked(unsafe { eng_touchpoint_batch_len(tps, &mut len) }),
        eng_status::Ok
    );
    assert_eq!(len, rows, "the batch's rows");
    let (mut store, mut state, mut table) = (null_mut(), null_mut(), null_mut());
    let config = br#"{"stages": {}, "paths": {}}"#;
    // SAFETY: live handles, valid outputs; each freed once.
    unsafe {
        assert_eq!(
            eng_profile_store_new(std::ptr::null(), 0, &mut store),
            eng_status::Ok
        );
        let st = checked(eng_profile_store_push_batch(store, tps));
        assert!(
            matches!(st, eng_status::Ok | eng_status::InvalidInput),
            "store push gave {st:?}: {}",
            last_error()
        );
        // The batch's columns lent as an `eng_touchpoints` go into any call as the batch does.
        let mut lent = eng_touchpoints::default();
        assert_eq!(
            checked(eng_touchpoint_batch_columns(tps, &mut lent)),
            eng_status::Ok
        );
        assert_eq!(lent.len, rows, "the lent columns' rows");
        let mut other = null_mut();
        assert_eq!(
            eng_profile_store_new(std::ptr::null(), 0, &mut other),
            eng_status::Ok
        );
        assert_eq!(
            checked(eng_profile_store_push(other, &lent)),
            st,
            "pushed through the lent columns"
        );
        if st == eng_status::Ok {
            let (mut a, mut b) = (null_mut(), null_mut());
            assert_eq!(
                checked(eng_profile_store_profiles_json(store, &mut a, null_mut())),
                eng_status::Ok
            );
            assert_eq!(
                checked(eng_profile_store_profiles_json(other, &mut b, null_mut())),
                eng_status::Ok
            );
            assert_eq!(
                std::ffi::CStr::from_ptr(a),
                std::ffi::CStr::from_ptr(b),
                "the same profiles"
            );
            eng_string_free(a);
            eng_string_free(b);
        }
        eng_profile_store_free(other);
        assert_eq!(
            eng_journey_state_new(config.as_ptr().cast(), config.len(), &mut state),
            eng_status::Ok
        );
        let st = checked(eng_journey_state_push_batch(
            state,
            tps,
            null_mut(),
            null_mut(),
            null_mut(),
            0,
        ));
        assert!(
            matches!(st, eng_status::Ok | eng_status::InvalidInput),
            "state push gave {st:?}: {}",
            last_error()
        );
        if checked(eng_journey_state_stage_table(
            state,
            32_503_680_000,
            &mut table,
        )) == eng_status::Ok
        {
            let mut n = 0usize;
            assert_eq!(eng_table_rows(table, &mut n), eng_status::Ok);
            let (mut array, mut schema) = (FFI_ArrowArray::empty(), FFI_ArrowSchema::empty());
            assert_eq!(
                checked(eng_table_to_arrow(table, &mut array, &mut schema)),
                eng_status::Ok
            );
            let back = from_ffi(array, &schema).expect("the library's own export reads back");
            assert_eq!(back.len(), n, "the exported table's rows");
            eng_table_free(table);
        }
        eng_journey_state_free(state);
        eng_profile_store_free(store);
        eng_touchpoint_batch_free(tps);
    }
});
