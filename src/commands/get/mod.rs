//! `klutch-tui get KIND [NAME]`: Klutch objects as kubectl lists them — one LIST per kind
//! (concurrently), a table whose STATUS and MESSAGE come from `klutch::status`, or JSON/YAML
//! Lists stable enough for scripts. `--watch` follows the kinds with watchers and prints
//! each change until Ctrl-C.

mod kinds;
mod print;

use super::connect;
use crate::cli::{CockpitArgs, GetArgs, GetOutput};
use futures::{StreamExt, TryStreamExt};
pub(crate) use kinds::{Listed, resolve};
use kube::Resource;
use kube::api::{Api, DynamicObject, GetParams, ListParams};
use kube::core::Request;
use kube::runtime::{WatchStreamExt, watcher};
use print::{Light, Row};
use serde::de::DeserializeOwned;
use std::io::Write;
use std::process::ExitCode;

/// Run `get`.
pub fn run(cockpit: CockpitArgs, args: GetArgs) -> anyhow::Result<ExitCode> {
    connect::run(async move {
        let clusters = connect::clusters(&cockpit).await?;
        let kinds = kinds::resolve(args.kind, &clusters).await?;
        let scope = Scope::of(&args, &kinds);
        if args.watch {
            watch(&kinds, &scope, &args).await
        } else {
            list(&kinds, &scope, &args).await
        }
    })
}

/// Where to look: one namespace or all.
struct Scope {
    namespace: Option<String>,
}

impl Scope {
    /// `-A`, else `-n`, else the namespace of the context the kinds are listed from.
    fn of(args: &GetArgs, kinds: &[Listed]) -> Scope {
        let context = kinds
            .first()
            .map_or("default", |k| k.client.default_namespace());
        Scope {
            namespace: (!args.all_namespaces).then(|| {
                args.namespace
                    .clone()
                    .unwrap_or_else(|| context.to_string())
            }),
        }
    }

    fn url_path(&self, listed: &Listed) -> String {
        let ns = match (&self.namespace, listed.namespaced) {
            (Some(ns), true) => Some(ns.as_str()),
            _ => None,
        };
        DynamicObject::url_path(&listed.resource, ns)
    }

    fn api(&self, listed: &Listed) -> Api<DynamicObject> {
        match (&self.namespace, listed.namespaced) {
            (Some(ns), true) => Api::namespaced_with(listed.client.clone(), ns, &listed.resource),
            _ => Api::all_with(listed.client.clone(), &listed.resource),
        }
    }

    fn words(&self) -> String {
        match &self.namespace {
            Some(ns) => format!(" in namespace {ns}"),
            None => String::new(),
        }
    }
}

/// A LIST's items, read as `T`.
#[derive(serde::Deserialize)]
struct ListOf<T> {
    items: Vec<T>,
}

/// The objects of every kind (read as `T`), with their kind; one LIST (or GET) per kind, all
/// at once.
async fn fetch<'k, T: DeserializeOwned>(
    kinds: &'k [Listed],
    scope: &Scope,
    args: &GetArgs,
) -> anyhow::Result<Vec<(T, &'k Listed)>> {
    let mut params = ListParams::default();
    if let Some(sel) = &args.selector {
        params = params.labels(sel);
    }
    let lists = kinds.iter().map(|k| {
        let request = Request::new(scope.url_path(k));
        let params = params.clone();
        let name = args.name.clone();
        async move {
            let objects: Vec<T> = match &name {
                Some(n) => match k
                    .client
                    .request::<T>(request.get(n, &GetParams::default())?)
                    .await
                {
                    Ok(o) => vec![o],
                    Err(kube::Error::Api(s)) if s.code == 404 => Vec::new(),
                    Err(e) => return Err(e.into()),
                },
                None => {
                    k.client
                        .request::<ListOf<T>>(request.list(&params)?)
                        .await?
                        .items
                }
            };
            Ok::<_, anyhow::Error>(objects.into_iter().map(|o| (o, k)).collect::<Vec<_>>())
        }
    });
    let found = futures::future::try_join_all(lists)
        .await
        .map_err(|e| anyhow::anyhow!("listing {} failed: {e}", args.kind.name()))?;
    Ok(found.into_iter().flatten().collect())
}

async fn list(kinds: &[Listed], scope: &Scope, args: &GetArgs) -> anyhow::Result<ExitCode> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = match args.output {
        GetOutput::Table | GetOutput::Wide | GetOutput::Name => {
            let found: Vec<(Light, &Listed)> = fetch(kinds, scope, args).await?;
            missing(args, scope, found.is_empty())?;
            let mut rows: Vec<Row> = found
                .into_iter()
                .map(|(o, k)| Row::read(o, &k.resource))
                .collect();
            rows.sort_by(|a, b| a.key().cmp(&b.key()));
            match args.output {
                GetOutput::Name => rows
                    .iter()
                    .try_for_each(|r| out.write_all(r.name_line().as_bytes())),
                _ if rows.is_empty() => {
                    eprintln!("No {} found{}.", args.kind.name(), scope.words());
                    Ok(())
                }
                _ => print::table(
                    &mut out,
                    &rows,
                    args.output == GetOutput::Wide,
                    scope.namespace.is_none(),
                ),
            }
        }
        GetOutput::Json | GetOutput::Yaml => {
            let found: Vec<(serde_json::Value, &Listed)> = fetch(kinds, scope, args).await?;
            missing(args, scope, found.is_empty())?;
            let mut items: Vec<(String, String, String, serde_json::Value)> = found
                .into_iter()
                .map(|(o, k)| {
                    let meta = |f: &str| o["metadata"][f].as_str().unwrap_or_default().to_string();
                    (
                        meta("namespace"),
                        meta("name"),
                        k.resource.kind.clone(),
                        print::object(o, &k.resource),
                    )
                })
                .collect();
            items.sort_by(|a, b| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)));
            let mut items: Vec<serde_json::Value> = items.into_iter().map(|i| i.3).collect();
            let value = match (&args.name, items.len()) {
                (Some(_), 1) => items.pop().unwrap_or_default(),
                _ => print::list(items),
            };
            print::document(&mut out, &value, args.output)
        }
    };
    finish(written.and_then(|()| out.flush()))
}

/// A NAME that no kind has is an error that says where to look.
fn missing(args: &GetArgs, scope: &Scope, none: bool) -> anyhow::Result<()> {
    if let (Some(name), true) = (&args.name, none) {
        anyhow::bail!(
            "no {} named {name:?}{}; list them with: klutch-tui get {}{}",
            args.kind.name(),
            scope.words(),
            args.kind.name(),
            scope
                .namespace
                .as_ref()
                .map(|n| format!(" -n {n}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// A closed pipe (`| head`) is no failure.
fn finish(written: std::io::Result<()>) -> anyhow::Result<ExitCode> {
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(anyhow::anyhow!("cannot write the output: {e}")),
        Ok(()) => Ok(ExitCode::SUCCESS),
    }
}

/// Follow every kind with a watcher: the objects there are first (one table), then a line or
/// document per change, until Ctrl-C.
async fn watch(kinds: &[Listed], scope: &Scope, args: &GetArgs) -> anyhow::Result<ExitCode> {
    let mut config = watcher::Config::default();
    if let Some(sel) = &args.selector {
        config = config.labels(sel);
    }
    if let Some(name) = &args.name {
        config = config.fields(&format!("metadata.name={name}"));
    }
    let streams = kinds.iter().enumerate().map(|(i, k)| {
        watcher(scope.api(k), config.clone())
            .default_backoff()
            .map_ok(move |e| (i, e))
            .boxed()
    });
    let mut events = futures::stream::select_all(streams);
    let wide = args.output == GetOutput::Wide;
    let namespaces = scope.namespace.is_none();
    let header = print::header(wide, namespaces);
    let mut initial: Vec<(DynamicObject, usize)> = Vec::new();
    let mut pending = kinds.len();
    let mut widths: Option<Vec<usize>> = None;
    let mut out = std::io::stdout();
    loop {
        let event = tokio::select! {
            e = events.next() => e,
            _ = tokio::signal::ctrl_c() => None,
        };
        let Some(event) = event else {
            return Ok(ExitCode::SUCCESS);
        };
        let (i, event) = match event {
            Ok(e) => e,
            Err(e) => {
                eprintln!("watch: {e} (retrying)");
                continue;
            }
        };
        let changed: Vec<DynamicObject> = match event {
            watcher::Event::Init => continue,
            watcher::Event::InitApply(o) => {
                initial.push((o, i));
                continue;
            }
            watcher::Event::InitDone => {
                let text = match &widths {
                    // A watcher that had to start over lists again: show what it found.
                    Some(w) => initial
                        .drain(..)
                        .map(|(o, k)| render(&o, &kinds[k], args.output, w, wide, namespaces))
                        .collect(),
                    None => {
                        pending = pending.saturating_sub(1);
                        if pending > 0 {
                            continue;
                        }
                        let (text, w) =
                            first_table(&initial, kinds, args.output, &header, wide, namespaces);
                        initial.clear();
                        widths = Some(w);
                        text
                    }
                };
                if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                    return finish(Err(e));
                }
                continue;
            }
            watcher::Event::Apply(o) | watcher::Event::Delete(o) => vec![o],
        };
        let w = widths
            .clone()
            .unwrap_or_else(|| print::widths(&header, &[]));
        let text: String = changed
            .iter()
            .map(|o| render(o, &kinds[i], args.output, &w, wide, namespaces))
            .collect();
        if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            return finish(Err(e));
        }
    }
}

/// What a watch prints once every kind has listed: the table (or documents) of the objects
/// there, and the column widths later lines keep.
fn first_table(
    initial: &[(DynamicObject, usize)],
    kinds: &[Listed],
    format: GetOutput,
    header: &[String],
    wide: bool,
    namespaces: bool,
) -> (String, Vec<usize>) {
    let rows: Vec<Row> = initial
        .iter()
        .map(|(o, k)| Row::read(Light::of(o), &kinds[*k].resource))
        .collect();
    let cells = print::cells(&rows, wide, namespaces, jiff::Timestamp::now());
    let w = print::widths(header, &cells);
    let mut text = String::new();
    if matches!(format, GetOutput::Table | GetOutput::Wide) {
        text.push_str(&print::line(header, &w));
        for c in &cells {
            text.push_str(&print::line(c, &w));
        }
    } else {
        for (o, k) in initial {
            text.push_str(&render(o, &kinds[*k], format, &w, wide, namespaces));
        }
    }
    (text, w)
}

/// One object as a watch prints it.
fn render(
    o: &DynamicObject,
    k: &Listed,
    format: GetOutput,
    widths: &[usize],
    wide: bool,
    namespaces: bool,
) -> String {
    match format {
        GetOutput::Table | GetOutput::Wide => {
            let row = Row::read(Light::of(o), &k.resource);
            let cells = print::cells(
                std::slice::from_ref(&row),
                wide,
                namespaces,
                jiff::Timestamp::now(),
            );
            cells
                .first()
                .map(|c| print::line(c, widths))
                .unwrap_or_default()
        }
        GetOutput::Name => Row::read(Light::of(o), &k.resource).name_line(),
        GetOutput::Json | GetOutput::Yaml => {
            let mut o = o.clone();
            o.metadata.managed_fields = None;
            let mut buf = Vec::new();
            let value = print::object(serde_json::to_value(&o).unwrap_or_default(), &k.resource);
            if format == GetOutput::Yaml {
                buf.extend_from_slice(b"---\n");
            }
            let _ = print::document(&mut buf, &value, format);
            String::from_utf8_lossy(&buf).into_owned()
        }
    }
}
