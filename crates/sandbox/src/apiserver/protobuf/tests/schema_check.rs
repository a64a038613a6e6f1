//! Structural checks over the message tables, plus a dump used to diff the
//! tables against `generated.proto` / `types.go` (`cargo test dump_schema -- --ignored --nocapture`).

use std::collections::{BTreeMap, HashSet};

use crate::apiserver::protobuf::schema::{DELETE_OPTIONS, KINDS, Message, Presence, Ty};

fn ty_name(ty: &Ty) -> String {
    match ty {
        Ty::Msg(m) => format!("Msg({})", m.name),
        Ty::Rep(t) => format!("Rep({})", ty_name(t)),
        Ty::Map(t) => format!("Map({})", ty_name(t)),
        other => format!("{other:?}"),
    }
}

fn collect(m: &'static Message, seen: &mut BTreeMap<usize, &'static Message>) {
    let key = m as *const Message as usize;
    if seen.insert(key, m).is_some() {
        return;
    }
    for f in m.fields {
        let mut t = &f.ty;
        while let Ty::Rep(inner) | Ty::Map(inner) = t {
            t = inner;
        }
        if let Ty::Msg(sub) = t {
            collect(sub, seen);
        }
    }
}

fn all_messages() -> Vec<&'static Message> {
    let mut seen = BTreeMap::new();
    for k in KINDS {
        collect(k.message, &mut seen);
    }
    collect(&DELETE_OPTIONS, &mut seen);
    seen.into_values().collect()
}

#[test]
fn tables_are_consistent() {
    let msgs = all_messages();
    assert!(msgs.len() > 140, "only {} messages reachable", msgs.len());
    for m in msgs {
        let mut nums = HashSet::new();
        let mut names = HashSet::new();
        for f in m.fields {
            assert!(
                nums.insert(f.num),
                "{}: duplicate field number {}",
                m.name,
                f.num
            );
            match f.presence {
                Presence::Inline => {
                    assert!(matches!(f.ty, Ty::Msg(_)), "{}: inline non-message", m.name)
                }
                _ => {
                    assert!(
                        !f.json.is_empty(),
                        "{}: field {} has no JSON name",
                        m.name,
                        f.num
                    );
                    assert!(
                        names.insert(f.json),
                        "{}: duplicate JSON name {}",
                        m.name,
                        f.json
                    );
                }
            }
            if let Ty::Rep(inner) | Ty::Map(inner) = f.ty {
                assert!(
                    !matches!(inner, Ty::Rep(_) | Ty::Map(_)),
                    "{}: nested repeated/map in field {}",
                    m.name,
                    f.num
                );
            }
        }
    }
}

#[test]
#[ignore = "prints the tables for an external diff against generated.proto"]
fn dump_schema() {
    for m in all_messages() {
        for f in m.fields {
            println!(
                "{} {} {} {} {:?}",
                m.name,
                f.num,
                f.json,
                ty_name(&f.ty),
                f.presence
            );
        }
    }
}
