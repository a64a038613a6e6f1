//! Durable storage of a server's objects in an embedded database (redb).
//! Every acknowledged write is committed (fsync) before the API answers.

use std::path::Path;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

const OBJECTS: TableDefinition<&str, &[u8]> = TableDefinition::new("objects");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const RV_KEY: &str = "resourceVersion";

#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error(
        "the state database {path} is in use by another sandbox; stop it first or choose another --state-dir"
    )]
    Locked { path: String },
    #[error("cannot open the state database {path}: {source}")]
    Open {
        path: String,
        #[source]
        source: redb::DatabaseError,
    },
    #[error("state database error: {0}")]
    Db(String),
}

fn db_err(e: impl std::fmt::Display) -> PersistError {
    PersistError::Db(e.to_string())
}

/// One server's database file.
pub struct Persist {
    db: Database,
}

/// What was stored: the last resourceVersion and every object as JSON.
pub struct Loaded {
    pub resource_version: u64,
    pub objects: Vec<(String, Vec<u8>)>,
}

impl Persist {
    /// Open the database at `path`, creating it private to its owner (0600): it holds
    /// ServiceAccount tokens and kubeconfig Secrets.
    pub fn open(path: &Path) -> Result<Self, PersistError> {
        crate::files::open_private(path).map_err(|e| {
            PersistError::Db(format!(
                "cannot create the state database {}: {e}",
                path.display()
            ))
        })?;
        let db = Database::create(path).map_err(|source| match source {
            redb::DatabaseError::DatabaseAlreadyOpen => PersistError::Locked {
                path: path.display().to_string(),
            },
            source => PersistError::Open {
                path: path.display().to_string(),
                source,
            },
        })?;
        let txn = db.begin_write().map_err(db_err)?;
        txn.open_table(OBJECTS).map_err(db_err)?;
        txn.open_table(META).map_err(db_err)?;
        txn.commit().map_err(db_err)?;
        Ok(Self { db })
    }

    pub fn load(&self) -> Result<Loaded, PersistError> {
        let txn = self.db.begin_read().map_err(db_err)?;
        let meta = txn.open_table(META).map_err(db_err)?;
        let resource_version = meta
            .get(RV_KEY)
            .map_err(db_err)?
            .map(|v| v.value())
            .unwrap_or(0);
        let table = txn.open_table(OBJECTS).map_err(db_err)?;
        let mut objects = Vec::new();
        for entry in table.iter().map_err(db_err)? {
            let (k, v) = entry.map_err(db_err)?;
            objects.push((k.value().to_string(), v.value().to_vec()));
        }
        Ok(Loaded {
            resource_version,
            objects,
        })
    }

    /// Store (`Some`) or remove (`None`) one object and the new resourceVersion, durably.
    pub fn write(&self, key: &str, value: Option<&[u8]>, rv: u64) -> Result<(), PersistError> {
        let txn = self.db.begin_write().map_err(db_err)?;
        {
            let mut objects = txn.open_table(OBJECTS).map_err(db_err)?;
            match value {
                Some(v) => {
                    objects.insert(key, v).map_err(db_err)?;
                }
                None => {
                    objects.remove(key).map_err(db_err)?;
                }
            }
            let mut meta = txn.open_table(META).map_err(db_err)?;
            meta.insert(RV_KEY, rv).map_err(db_err)?;
        }
        txn.commit().map_err(db_err)
    }
}
