//! What a bind returns, flattened into the keys of the binding Secret as provider-anynines
//! writes them (nested keys joined with `.`, lists rendered Go-style as `[a b]`). The keys per
//! data service are those of upstream's e2e `servicebinding-secret.yaml` files; the values are
//! plausible for an a9s deployment: hosts in the deployment's Consul domain
//! (`<id>.service.dc1.a9s-<ds>-consul`), the service's usual ports, generated user names and
//! passwords, and the PEM of the simulated service CA where TLS is involved.

use super::crossplane::stable_hex;
use klutch::claims::DataService;
use std::collections::BTreeMap;

/// One simulated a9s deployment (what the broker provisioned for an instance).
pub struct Deployment {
    pub ds: DataService,
    /// The deployment id, also its name in Consul.
    pub id: String,
    /// How many nodes it runs on.
    pub nodes: usize,
}

impl Deployment {
    /// The deployment of the instance claim with this uid.
    pub fn of_instance(ds: DataService, instance_uid: &str, nodes: usize) -> Self {
        let prefix = match ds {
            DataService::Postgresql => "pcsd",
            DataService::Keyvalue => "kvsd",
            DataService::Logme2 => "lmsd",
            DataService::Mariadb => "mdsd",
            DataService::Messaging => "rmsd",
            DataService::Mongodb => "mgsd",
            DataService::Prometheus => "prsd",
            DataService::Search => "srsd",
        };
        Self {
            ds,
            id: format!("{prefix}{}", stable_hex(instance_uid, 6)),
            nodes: nodes.max(1),
        }
    }

    fn consul(&self) -> String {
        format!("dc1.a9s-{}-consul", self.ds.instance_type())
    }

    /// The load-balanced service name.
    pub fn host(&self) -> String {
        format!("{}.service.{}", self.id, self.consul())
    }

    fn node_hosts(&self, role: &str) -> Vec<String> {
        (0..self.nodes)
            .map(|i| format!("{}-{role}-{i}.node.{}", self.id, self.consul()))
            .collect()
    }
}

/// A Go-style rendering of a list of strings, as the flattened broker credentials show it.
fn go_list(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

/// The user a bind creates.
pub struct User {
    pub name: String,
    pub password: String,
}

/// The binding Secret's data for `dep`.
pub fn secret_data(dep: &Deployment, user: &User, ca: &str) -> BTreeMap<String, String> {
    let host = dep.host();
    let (u, p) = (user.name.as_str(), user.password.as_str());
    let mut m = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        m.insert(k.to_string(), v);
    };
    match dep.ds {
        DataService::Postgresql | DataService::Mariadb => {
            let (port, scheme, role) = match dep.ds {
                DataService::Postgresql => (5432, "postgres", "pg"),
                _ => (3306, "mysql", "mariadb"),
            };
            put("host", host.clone());
            put("hosts", go_list(&dep.node_hosts(role)));
            put("name", dep.id.clone());
            put("username", u.into());
            put("password", p.into());
            put("port", port.to_string());
            put(
                "uri",
                format!("{scheme}://{u}:{p}@{host}:{port}/{}", dep.id),
            );
            if dep.ds == DataService::Mariadb {
                put("cacrt", ca.into());
            }
        }
        DataService::Keyvalue => {
            put("host", host.clone());
            put("hosts", go_list(&dep.node_hosts("valkey")));
            put(
                "load_balanced_host",
                format!("{}-lb.service.{}", dep.id, dep.consul()),
            );
            put("cacrt", ca.into());
            put("valkey.username", u.into());
            put("valkey.password", p.into());
            put("valkey.port", "6379".into());
        }
        DataService::Mongodb => {
            let nodes: Vec<String> = dep
                .node_hosts("mongodb")
                .into_iter()
                .map(|h| format!("{h}:27017"))
                .collect();
            put("default_database", dep.id.clone());
            put("hosts", go_list(&nodes));
            put("username", u.into());
            put("password", p.into());
            put(
                "uri",
                format!(
                    "mongodb://{u}:{p}@{}/{}?replicaSet={}",
                    nodes.join(","),
                    dep.id,
                    dep.id
                ),
            );
        }
        DataService::Messaging => {
            let nodes = dep.node_hosts("rabbitmq");
            let api = format!("https://{u}:{p}@{host}:15671/api/");
            put("http_api_uri", api.clone());
            put("http_api_uris", go_list(std::slice::from_ref(&api)));
            let amqp = "protocols.amqp_ssl";
            put(&format!("{amqp}.host"), host.clone());
            put(&format!("{amqp}.hosts"), go_list(&nodes));
            put(&format!("{amqp}.username"), u.into());
            put(&format!("{amqp}.password"), p.into());
            put(&format!("{amqp}.port"), "5671".into());
            put(&format!("{amqp}.ssl"), "true".into());
            put(
                &format!("{amqp}.uri"),
                format!("amqps://{u}:{p}@{host}:5671"),
            );
            let mgmt = "protocols.management";
            put(&format!("{mgmt}.cacrt"), ca.into());
            put(&format!("{mgmt}.host"), host.clone());
            put(&format!("{mgmt}.hosts"), go_list(&nodes));
            put(&format!("{mgmt}.username"), u.into());
            put(&format!("{mgmt}.password"), p.into());
            put(&format!("{mgmt}.path"), "/api/".into());
            put(&format!("{mgmt}.port"), "15671".into());
            put(&format!("{mgmt}.ssl"), "true".into());
            put(&format!("{mgmt}.uri"), api.clone());
            put(&format!("{mgmt}.uris"), go_list(&[api]));
        }
        DataService::Logme2 => {
            put("host", format!("https://{host}:9200"));
            put("username", u.into());
            put("password", p.into());
            put("cacrt", ca.into());
            put("syslog_drain_url", format!("syslog-tls://{host}:6514"));
        }
        DataService::Prometheus => {
            let url = |role: &str, port: u16| {
                go_list(
                    &dep.node_hosts(role)
                        .into_iter()
                        .take(1)
                        .map(|h| format!("https://{h}:{port}"))
                        .collect::<Vec<_>>(),
                )
            };
            put("prometheus_urls", url("prometheus", 9090));
            put("alertmanager_urls", url("alertmanager", 9093));
            put("grafana_urls", url("grafana", 3000));
            put(
                "graphite_exporters",
                go_list(
                    &dep.node_hosts("graphite")
                        .into_iter()
                        .take(1)
                        .collect::<Vec<_>>(),
                ),
            );
            put("graphite_exporter_port", "9109".into());
            put("username", u.into());
            put("password", p.into());
        }
        DataService::Search => {
            put("host", go_list(&[format!("{host}:9200")]));
            put(
                "hosts",
                go_list(
                    &dep.node_hosts("opensearch")
                        .into_iter()
                        .map(|h| format!("{h}:9200"))
                        .collect::<Vec<_>>(),
                ),
            );
            put("port", "9200".into());
            put("scheme", "https".into());
            put("username", u.into());
            put("password", p.into());
            put("cacrt", ca.into());
        }
    }
    m
}

/// The a8s service binding Secret (`<binding>-service-binding`), written by the a8s
/// PostgreSQL operator *(inferred from upstream's old local-deployment guide)*.
pub fn a8s_secret_data(instance: &str, namespace: &str, user: &User) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("username".to_string(), user.name.clone()),
        ("password".to_string(), user.password.clone()),
        (
            "database".to_string(),
            format!("a8s_{}", instance.replace('-', "_")),
        ),
        (
            "host".to_string(),
            format!("{instance}-master.{namespace}.svc.cluster.local"),
        ),
        ("port".to_string(), "5432".to_string()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> User {
        User {
            name: "a9s4f1c8e2b0d".into(),
            password: "a9s7e6d5c4b3a2f1".into(),
        }
    }

    #[test]
    fn postgresql_looks_like_the_authored_fixture() {
        let dep = Deployment::of_instance(DataService::Postgresql, "uid", 1);
        let d = secret_data(&dep, &user(), "CA");
        let host = format!("{}.service.dc1.a9s-postgresql-consul", dep.id);
        assert!(
            dep.id.starts_with("pcsd") && dep.id.len() == 10,
            "{}",
            dep.id
        );
        assert_eq!(d["host"], host);
        assert_eq!(
            d["hosts"],
            format!("[{}-pg-0.node.dc1.a9s-postgresql-consul]", dep.id)
        );
        assert_eq!(d["port"], "5432");
        assert_eq!(
            d["uri"],
            format!(
                "postgres://a9s4f1c8e2b0d:a9s7e6d5c4b3a2f1@{host}:5432/{}",
                dep.id
            )
        );
        assert_eq!(
            d.keys().cloned().collect::<Vec<_>>(),
            [
                "host", "hosts", "name", "password", "port", "uri", "username"
            ]
        );
    }

    #[test]
    fn hosts_parse_the_way_provider_anynines_reads_them() {
        // Search and MongoDB: "[host:port]"; Prometheus: "[url]"; Logme2: a URL.
        let search = secret_data(
            &Deployment::of_instance(DataService::Search, "u", 3),
            &user(),
            "CA",
        );
        let inner = search["host"].trim_start_matches('[').trim_end_matches(']');
        assert!(inner.ends_with(":9200") && !inner.contains(' '), "{inner}");
        let mongo = secret_data(
            &Deployment::of_instance(DataService::Mongodb, "u", 3),
            &user(),
            "CA",
        );
        assert_eq!(mongo["hosts"].matches(":27017").count(), 3);
        let prom = secret_data(
            &Deployment::of_instance(DataService::Prometheus, "u", 1),
            &user(),
            "CA",
        );
        assert!(
            prom["grafana_urls"].starts_with("[https://")
                && prom["grafana_urls"].ends_with(":3000]")
        );
        let logme = secret_data(
            &Deployment::of_instance(DataService::Logme2, "u", 1),
            &user(),
            "CA",
        );
        assert!(logme["host"].starts_with("https://") && logme["host"].ends_with(":9200"));
    }
}
