//! How far a claim has come, for anyone following one to its end (a backup, a restore, a
//! new instance): the provider's own state (`status.managed.status` of a Backup,
//! `status.managed.state` of the others, claims.md §5–§7), whether that is the end, and —
//! when it failed — the provider's words for why.

use crate::status::{self, Condition, StatusKind};
use serde_json::Value;

/// Where a claim stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Not done yet (waiting for its instance, queued, running, provisioning).
    Working,
    /// Ready: done.
    Done,
    /// Failed for good (a failed backup or restore is terminal upstream).
    Failed,
    /// Being deleted.
    Deleting,
}

/// One reading of a claim's progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Where it stands.
    pub phase: Phase,
    /// The provider's state (`queued`, `running`, `done`, `deploying`, …), else the status
    /// reason (`Waiting`, `ReconcileError`), `pending` before anyone has written a status.
    pub state: String,
    /// What the provider says, when it says something (its error, on failure).
    pub message: Option<String>,
}

/// The progress of a claim (its JSON).
pub fn progress(claim: &Value) -> Progress {
    let deleting = claim.pointer("/metadata/deletionTimestamp").is_some();
    let conditions = status::conditions(claim);
    let st = status::status(claim, &conditions, deleting);
    let managed = &claim["status"]["managed"];
    let provider_state = ["status", "state"]
        .iter()
        .find_map(|k| managed[k].as_str())
        .map(str::to_string);
    let failed_state = matches!(provider_state.as_deref(), Some("failed" | "deleted"));
    let phase = match st.kind {
        StatusKind::Deleting => Phase::Deleting,
        StatusKind::Ready => Phase::Done,
        _ if failed_state => Phase::Failed,
        _ if a8s_failed(&conditions) => Phase::Failed,
        _ => Phase::Working,
    };
    let message = match phase {
        Phase::Failed => failure(&conditions).or(st.message),
        _ => st.message,
    };
    let state = match (provider_state, st.kind) {
        (Some(s), _) => s,
        (None, StatusKind::Unknown) => "pending".to_string(),
        (None, _) => st.text,
    };
    Progress {
        phase,
        state,
        message,
    }
}

/// An a8s backup or restore reports its end in its operator's conditions (`…Failed`).
fn a8s_failed(conditions: &[Condition]) -> bool {
    conditions.iter().any(|c| {
        c.source == "managed"
            && c.status == "False"
            && c.reason.as_deref().is_some_and(|r| r.ends_with("Failed"))
    })
}

/// The messages of the conditions that are not well, most telling first, joined.
fn failure(conditions: &[Condition]) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for want in ["Ready", "Synced"] {
        for c in conditions
            .iter()
            .filter(|c| c.type_ == want && c.status != "True")
        {
            if let Some(m) = c.message.as_deref()
                && !parts.contains(&m)
            {
                parts.push(m);
            }
        }
    }
    (!parts.is_empty()).then(|| parts.join(": "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_backup_from_queued_to_failed() {
        let queued = json!({"status": {"conditions": [
            {"type": "Synced", "status": "True"}, {"type": "Ready", "status": "False", "reason": "Waiting"}],
            "managed": {"status": "queued", "conditions": [
                {"type": "Ready", "status": "False", "reason": "Creating"}]}}});
        let p = progress(&queued);
        assert_eq!((p.phase, p.state.as_str()), (Phase::Working, "queued"));
        let failed = json!({"status": {"conditions": [
            {"type": "Synced", "status": "True"}, {"type": "Ready", "status": "False", "reason": "Waiting"}],
            "managed": {"status": "failed", "conditions": [
                {"type": "Ready", "status": "False", "reason": "Unavailable", "message": "Backup has failed"},
                {"type": "Synced", "status": "False", "reason": "ReconcileError",
                 "message": "observe failed: quota exceeded"}]}}});
        let p = progress(&failed);
        assert_eq!(p.phase, Phase::Failed);
        assert_eq!(
            p.message.as_deref(),
            Some("Backup has failed: observe failed: quota exceeded")
        );
        let done = json!({"status": {"conditions": [{"type": "Ready", "status": "True"}],
            "managed": {"status": "done"}}});
        assert_eq!(progress(&done).phase, Phase::Done);
        let transient = json!({"status": {"managed": {"conditions": [
            {"type": "Synced", "status": "False", "reason": "ReconcileError",
             "message": "observe failed: data service instance was not found"}]}}});
        let p = progress(&transient);
        assert_eq!(
            (p.phase, p.state.as_str()),
            (Phase::Working, "ReconcileError")
        );
    }
}
