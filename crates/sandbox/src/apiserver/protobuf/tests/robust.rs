//! Robustness: arbitrary, truncated and mutated input must yield `Err` (or a
//! value), never a panic.

use proptest::prelude::*;

use super::all_fixtures;
use super::enc::*;
use crate::apiserver::protobuf::decode;
use crate::apiserver::protobuf::schema::KINDS;

/// End offsets of the two leading envelope fields (TypeMeta, raw).
fn envelope_field_ends(body: &[u8]) -> (usize, usize) {
    let mut pos = 4;
    let mut ends = [0usize; 2];
    for end in &mut ends {
        pos += 1; // key: 0x0a / 0x12
        let mut len = 0usize;
        let mut shift = 0;
        loop {
            let byte = body[pos];
            pos += 1;
            len |= usize::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                break;
            }
        }
        pos += len;
        *end = pos;
    }
    (ends[0], ends[1])
}

/// Every prefix of every fixture decodes without panicking, and a cut inside
/// the TypeMeta or the object bytes is always an error.
#[test]
fn every_truncation_of_every_fixture() {
    for fx in all_fixtures() {
        assert!(decode(&fx.body).is_ok(), "{}", fx.name);
        let (type_meta_end, raw_end) = envelope_field_ends(&fx.body);
        for cut in 0..fx.body.len() {
            let r = decode(&fx.body[..cut]);
            if cut < raw_end && cut != type_meta_end {
                assert!(
                    r.is_err(),
                    "{}: prefix of {cut} bytes decoded: {r:?}",
                    fx.name
                );
            }
        }
    }
}

/// Flip every bit of every fixture, one at a time.
#[test]
fn every_single_bit_flip_of_every_fixture() {
    for fx in all_fixtures() {
        let mut body = fx.body.clone();
        for idx in 0..body.len() {
            for bit in 0..8 {
                body[idx] ^= 1 << bit;
                let _ = decode(&body);
                body[idx] ^= 1 << bit;
            }
        }
    }
}

fn any_kind_body() -> impl Strategy<Value = Vec<u8>> {
    (
        0..KINDS.len(),
        proptest::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(k, raw)| {
            let kind = &KINDS[k];
            body(kind.api_version, kind.kind, &[raw])
        })
}

/// Random well-formed-ish protobuf: nested messages with random field numbers
/// and wire types, so the decoder gets past the envelope and deep into tables.
fn random_message(depth: u32) -> BoxedStrategy<Vec<u8>> {
    let leaf = prop_oneof![
        (1u32..45, any::<u64>()).prop_map(|(n, x)| v(n, x)),
        (1u32..45, ".{0,12}").prop_map(|(n, x)| s(n, &x)),
        (1u32..45, proptest::collection::vec(any::<u8>(), 0..16)).prop_map(|(n, x)| b(n, &x)),
        (1u32..45, any::<u32>()).prop_map(|(n, x)| fixed32(n, x)),
        (1u32..45, any::<u64>()).prop_map(|(n, x)| fixed64(n, x)),
    ];
    if depth == 0 {
        return proptest::collection::vec(leaf, 0..6)
            .prop_map(|p| p.concat())
            .boxed();
    }
    let nested = (1u32..45, random_message(depth - 1)).prop_map(|(n, inner)| b(n, &inner));
    proptest::collection::vec(prop_oneof![3 => leaf, 2 => nested], 0..8)
        .prop_map(|p| p.concat())
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(&data);
        let mut with_magic = b"k8s\0".to_vec();
        with_magic.extend(&data);
        let _ = decode(&with_magic);
    }

    #[test]
    fn random_object_bytes_never_panic(body in any_kind_body()) {
        let _ = decode(&body);
    }

    #[test]
    fn random_structured_objects_never_panic(k in 0..KINDS.len(), raw in random_message(4)) {
        let kind = &KINDS[k];
        let _ = decode(&body(kind.api_version, kind.kind, &[raw]));
    }

    #[test]
    fn random_mutations_of_fixtures_never_panic(
        pick in 0usize..64,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
    ) {
        let fixtures = all_fixtures();
        let mut body = fixtures[pick % fixtures.len()].body.clone();
        for (pos, byte) in edits {
            let idx = pos % body.len();
            body[idx] = byte;
        }
        let _ = decode(&body);
    }
}
