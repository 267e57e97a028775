//! The instance state machine, as one table: which status accepts which operation, the status it
//! leads to, and the events the move sends. The store persists what this table decides, guarded
//! by the status the decision was made in, so a change that came meanwhile wins.

use super::event_kind::EventKind::{self, ActivationEmail, Errors, Token};
use super::InstanceStatus::{self, Deleted, Deleting, Deploying, Failed, Ready, Updating};

/// Every instance is born `deploying`: Create Instance answers at once and a job deploys it.
pub const CREATED: InstanceStatus = Deploying;

/// What may happen to an instance: the partner's requests and what the platform's jobs find.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// `PATCH`: a new 360Dialog key and/or seat limit.
    Update,
    /// `DELETE`.
    Delete,
    /// The driver removed the instance and its data.
    TornDown,
    /// The instance runs, healthy and registered for its messages (deployed, or a failed one
    /// deployed again by an update).
    DeploymentSucceeded,
    /// The deployment, or the update deploying a failed instance again, needs the partner's action.
    DeploymentFailed,
    /// The running instance took an update's change.
    UpdateApplied,
    /// An update's change was refused (701, 702, …); the running instance keeps what it had.
    UpdateRefused,
    /// The periodic check found that 360Dialog rejects the ready instance's key.
    KeyRejected,
    /// The running instance took a fresh activation code (its admin never chose a password).
    ActivationReissued,
}

/// A move the table allows: the status it starts from, where it leads and what it sends. An
/// event goes out only where the instance has its recipient (a webhook, an `admin_email`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    pub from: InstanceStatus,
    pub to: InstanceStatus,
    pub sends: &'static [EventKind],
}

/// Why an operation does not move the instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The status does not accept the operation: `409` to a partner; a job ends cancelled.
    #[error("the instance is {}", .0.as_str())]
    NotIn(InstanceStatus),
    /// The operation's effect is already there (deleting a deleting or deleted instance).
    #[error("already done")]
    AlreadyDone,
}

/// The table. Read it as: in `status`, `op` leads to … and sends ….
pub fn decide(status: InstanceStatus, op: Operation) -> Result<Transition, Refusal> {
    use Operation::*;
    let to = |to, sends| {
        Ok(Transition {
            from: status,
            to,
            sends,
        })
    };
    match (op, status) {
        (Update, Ready | Failed) => to(Updating, &[]),
        (Delete, Deleting | Deleted) => Err(Refusal::AlreadyDone),
        (Delete, Deploying | Ready | Failed | Updating) => to(Deleting, &[]),
        (TornDown, Deleting) => to(Deleted, &[]),
        (DeploymentSucceeded, Deploying | Updating) => to(Ready, &[Token, ActivationEmail]),
        (DeploymentFailed, Deploying | Updating) => to(Failed, &[Errors]),
        (UpdateApplied, Updating) => to(Ready, &[]),
        (UpdateRefused, Updating) => to(Ready, &[Errors]),
        (KeyRejected, Ready) => to(Ready, &[Errors]),
        (ActivationReissued, Ready) => to(Ready, &[ActivationEmail]),
        _ => Err(Refusal::NotIn(status)),
    }
}

/// The statuses in which `op` moves the instance.
pub fn accepted_in(op: Operation) -> Vec<InstanceStatus> {
    InstanceStatus::ALL
        .into_iter()
        .filter(|status| decide(*status, op).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::Operation::*;
    use super::*;

    #[test]
    fn only_a_ready_or_failed_instance_accepts_an_update() {
        assert_eq!(accepted_in(Update), [Ready, Failed]);
        assert_eq!(decide(Updating, Update), Err(Refusal::NotIn(Updating)));
        assert_eq!(decide(Deleted, Update), Err(Refusal::NotIn(Deleted)));
        assert_eq!(decide(Failed, Update).map(|t| t.to), Ok(Updating));
    }

    #[test]
    fn deleting_twice_changes_nothing_and_every_live_instance_can_be_deleted() {
        assert_eq!(accepted_in(Delete), [Deploying, Ready, Failed, Updating]);
        for status in accepted_in(Delete) {
            assert_eq!(decide(status, Delete).map(|t| t.to), Ok(Deleting));
        }
        assert_eq!(decide(Deleting, Delete), Err(Refusal::AlreadyDone));
        assert_eq!(decide(Deleted, Delete), Err(Refusal::AlreadyDone));
        assert_eq!(decide(Deleting, TornDown).map(|t| t.to), Ok(Deleted));
        assert_eq!(accepted_in(TornDown), [Deleting]);
    }

    #[test]
    fn ready_sends_the_token_and_the_activation_email_whether_deployed_or_repaired() {
        for from in [Deploying, Updating] {
            let ready = decide(from, DeploymentSucceeded).unwrap();
            assert_eq!((ready.from, ready.to), (from, Ready));
            assert_eq!(ready.sends, [Token, ActivationEmail]);
        }
    }

    #[test]
    fn only_a_ready_instance_gets_a_fresh_activation_link_and_its_email() {
        assert_eq!(accepted_in(ActivationReissued), [Ready]);
        assert_eq!(
            decide(Ready, ActivationReissued).unwrap().sends,
            [ActivationEmail]
        );
    }

    #[test]
    fn a_change_applied_to_the_running_instance_sends_nothing() {
        let applied = decide(Updating, UpdateApplied).unwrap();
        assert_eq!((applied.to, applied.sends), (Ready, &[][..]));
    }

    #[test]
    fn every_failure_the_partner_must_act_on_sends_errors() {
        for (from, op, to) in [
            (Deploying, DeploymentFailed, Failed),
            (Updating, DeploymentFailed, Failed),
            (Updating, UpdateRefused, Ready),
            (Ready, KeyRejected, Ready),
        ] {
            let t = decide(from, op).unwrap();
            assert_eq!((t.to, t.sends), (to, &[Errors][..]), "{op:?} in {from:?}");
        }
    }

    #[test]
    fn a_deleted_or_deleting_instance_accepts_no_job_outcome() {
        for op in [
            DeploymentSucceeded,
            DeploymentFailed,
            UpdateApplied,
            UpdateRefused,
            KeyRejected,
            ActivationReissued,
        ] {
            assert!(!accepted_in(op).contains(&Deleting), "{op:?}");
            assert!(!accepted_in(op).contains(&Deleted), "{op:?}");
        }
    }

    #[test]
    fn nothing_but_a_delete_leads_to_deleting_and_only_teardown_to_deleted() {
        let ops = [
            Update,
            Delete,
            TornDown,
            DeploymentSucceeded,
            DeploymentFailed,
            UpdateApplied,
            UpdateRefused,
            KeyRejected,
            ActivationReissued,
        ];
        for op in ops {
            for status in InstanceStatus::ALL {
                if let Ok(t) = decide(status, op) {
                    assert_eq!(t.from, status);
                    assert_eq!(t.to == Deleting, op == Delete, "{op:?} in {status:?}");
                    assert_eq!(t.to == Deleted, op == TornDown, "{op:?} in {status:?}");
                }
            }
        }
    }
}
