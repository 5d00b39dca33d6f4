//! Staff accounts, their dashboard sessions, API tokens, set-password links and the count
//! of wrong passwords that locks a login. Secrets arrive here already hashed.

use std::fmt;
use std::str::FromStr;

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

/// What a staff member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StaffRole {
    /// Everything in the province: campaigns, meetings, every commune's feedback.
    ProvinceAdmin,
    /// The feedback of one unit's rooms.
    CommuneStaff,
}

impl StaffRole {
    pub const ALL: [StaffRole; 2] = [StaffRole::ProvinceAdmin, StaffRole::CommuneStaff];

    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::ProvinceAdmin => "province-admin",
            StaffRole::CommuneStaff => "commune-staff",
        }
    }
}

impl fmt::Display for StaffRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("role {0:?} is not one of: province-admin, commune-staff")]
pub struct UnknownRole(pub String);

impl FromStr for StaffRole {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, UnknownRole> {
        StaffRole::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// A staff account as the hub keeps it (never with its password hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StaffAccount {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: StaffRole,
    pub unit: Option<String>,
    pub created_at_ms: i64,
    pub disabled_at_ms: Option<i64>,
    /// False until the set-password link was used.
    pub has_password: bool,
    pub failed_logins: u32,
    pub locked_until_ms: Option<i64>,
}

/// An API token for scripts, as listed (its secret is shown once, when made).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub label: String,
    pub created_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
}

const ACCOUNT_COLUMNS: &str = "u.id, u.login, u.name, u.role, u.unit_id, u.created_at_ms, \
     u.disabled_at_ms, u.password_hash IS NOT NULL, u.failed_logins, u.locked_until_ms";

fn account_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StaffAccount> {
    let role: String = r.get(3)?;
    let role: StaffRole = role.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(StaffAccount {
        id: r.get(0)?,
        login: r.get(1)?,
        name: r.get(2)?,
        role,
        unit: r.get(4)?,
        created_at_ms: r.get(5)?,
        disabled_at_ms: r.get(6)?,
        has_password: r.get(7)?,
        failed_logins: r.get(8)?,
        locked_until_ms: r.get(9)?,
    })
}

/// A new account's fields.
#[derive(Debug, Clone)]
pub struct NewStaffUser<'a> {
    pub login: &'a str,
    pub name: &'a str,
    pub role: StaffRole,
    pub unit: Option<&'a str>,
    pub password_hash: Option<&'a str>,
}

/// What a login attempt found, for the hub to decide.
#[derive(Debug, Clone)]
pub struct LoginCandidate {
    pub account: StaffAccount,
    pub password_hash: Option<String>,
}

impl Store {
    /// Creates an account; `Ok(None)` when the login is taken.
    pub fn create_staff_user(
        &self,
        user: &NewStaffUser<'_>,
        now_ms: i64,
    ) -> Result<Option<StaffAccount>, StoreError> {
        let inserted = self.lock().execute(
            "INSERT OR IGNORE INTO staff_users (login, name, role, unit_id, password_hash, created_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                user.login,
                user.name,
                user.role.as_str(),
                user.unit,
                user.password_hash,
                now_ms
            ],
        )?;
        if inserted == 0 {
            return Ok(None);
        }
        self.staff_user(user.login)
    }

    pub fn staff_user(&self, login: &str) -> Result<Option<StaffAccount>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM staff_users u WHERE u.login = ?1"),
                params![login],
                account_from_row,
            )
            .optional()?)
    }

    pub fn staff_users(&self) -> Result<Vec<StaffAccount>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM staff_users u ORDER BY u.login"
        ))?;
        let rows = stmt.query_map([], account_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The account and its password hash, for checking a login form.
    pub fn staff_login_candidate(&self, login: &str) -> Result<Option<LoginCandidate>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                &format!(
                    "SELECT {ACCOUNT_COLUMNS}, u.password_hash FROM staff_users u WHERE u.login = ?1"
                ),
                params![login],
                |r| {
                    Ok(LoginCandidate {
                        account: account_from_row(r)?,
                        password_hash: r.get(10)?,
                    })
                },
            )
            .optional()?)
    }

    /// Counts a wrong password; locks the login until `now + lock_ms` once `threshold`
    /// failures in a row are reached. Returns the lock's end when locked.
    pub fn record_staff_login_failure(
        &self,
        user_id: i64,
        threshold: u32,
        lock_ms: i64,
        now_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        Ok(self.lock().query_row(
            "UPDATE staff_users SET failed_logins = failed_logins + 1,
                locked_until_ms = CASE WHEN failed_logins + 1 >= ?2 THEN ?3 + ?4 ELSE locked_until_ms END
             WHERE id = ?1 RETURNING CASE WHEN locked_until_ms > ?3 THEN locked_until_ms END",
            params![user_id, threshold, now_ms, lock_ms],
            |r| r.get(0),
        )?)
    }

    /// A good password: the count of failures starts again.
    pub fn clear_staff_login_failures(&self, user_id: i64) -> Result<(), StoreError> {
        self.lock().execute(
            "UPDATE staff_users SET failed_logins = 0, locked_until_ms = NULL WHERE id = ?1",
            params![user_id],
        )?;
        Ok(())
    }

    /// Disables an account, ends its sessions and revokes its tokens. `false` when unknown.
    pub fn disable_staff_user(&self, login: &str, now_ms: i64) -> Result<bool, StoreError> {
        self.change_account(
            "UPDATE staff_users SET disabled_at_ms = coalesce(disabled_at_ms, ?2)
             WHERE login = ?1 RETURNING id",
            params![login, now_ms],
            now_ms,
            |tx, id| {
                tx.execute(
                    "UPDATE staff_tokens SET revoked_at_ms = ?2 WHERE user_id = ?1 AND revoked_at_ms IS NULL",
                    params![id, now_ms],
                )?;
                Ok(())
            },
        )
    }

    /// Runs `update` (an `UPDATE staff_users ... RETURNING id` of one login), ends that
    /// account's sessions and runs `then` with its id, all in one transaction; `false` when
    /// no account matched.
    fn change_account(
        &self,
        update: &str,
        update_params: impl rusqlite::Params,
        now_ms: i64,
        then: impl FnOnce(&rusqlite::Transaction<'_>, i64) -> Result<(), StoreError>,
    ) -> Result<bool, StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        let id: Option<i64> = tx
            .query_row(update, update_params, |r| r.get(0))
            .optional()?;
        let Some(id) = id else {
            return Ok(false);
        };
        end_sessions(&tx, id, now_ms)?;
        then(&tx, id)?;
        tx.commit()?;
        Ok(true)
    }

    /// Clears the password, ends the sessions and stores a new set-password link.
    /// `false` when the login is unknown.
    pub fn reset_staff_password(
        &self,
        login: &str,
        link_hash: &str,
        expires_at_ms: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        self.change_account(
            "UPDATE staff_users SET password_hash = NULL, failed_logins = 0, locked_until_ms = NULL
             WHERE login = ?1 RETURNING id",
            params![login],
            now_ms,
            |tx, id| {
                tx.execute(
                    "UPDATE staff_password_links SET used_at_ms = ?2 WHERE user_id = ?1 AND used_at_ms IS NULL",
                    params![id, now_ms],
                )?;
                tx.execute(
                    "INSERT INTO staff_password_links (token_hash, user_id, created_at_ms, expires_at_ms)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![link_hash, id, now_ms, expires_at_ms],
                )?;
                Ok(())
            },
        )
    }

    /// Stores a set-password link for a new account.
    pub fn add_staff_password_link(
        &self,
        user_id: i64,
        link_hash: &str,
        expires_at_ms: i64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.lock().execute(
            "INSERT INTO staff_password_links (token_hash, user_id, created_at_ms, expires_at_ms)
             VALUES (?1, ?2, ?3, ?4)",
            params![link_hash, user_id, now_ms, expires_at_ms],
        )?;
        Ok(())
    }

    /// The enabled account an unused, unexpired set-password link is for.
    pub fn staff_password_link(
        &self,
        link_hash: &str,
        now_ms: i64,
    ) -> Result<Option<StaffAccount>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                &format!(
                    "SELECT {ACCOUNT_COLUMNS} FROM staff_password_links l
                     JOIN staff_users u ON u.id = l.user_id
                     WHERE l.token_hash = ?1 AND l.used_at_ms IS NULL AND l.expires_at_ms > ?2
                       AND u.disabled_at_ms IS NULL"
                ),
                params![link_hash, now_ms],
                account_from_row,
            )
            .optional()?)
    }

    /// Uses a set-password link once: sets the password, ends the account's sessions.
    /// `Ok(None)` when the link is unknown, used, expired or its account disabled.
    pub fn use_staff_password_link(
        &self,
        link_hash: &str,
        password_hash: &str,
        now_ms: i64,
    ) -> Result<Option<StaffAccount>, StoreError> {
        let login = {
            let mut conn = self.lock();
            let tx = Store::write_tx(&mut conn)?;
            let user: Option<(i64, String)> = tx
                .query_row(
                    "UPDATE staff_password_links SET used_at_ms = ?2
                     WHERE token_hash = ?1 AND used_at_ms IS NULL AND expires_at_ms > ?2
                       AND user_id IN (SELECT id FROM staff_users WHERE disabled_at_ms IS NULL)
                     RETURNING user_id, (SELECT login FROM staff_users WHERE id = user_id)",
                    params![link_hash, now_ms],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((id, login)) = user else {
                return Ok(None);
            };
            tx.execute(
                "UPDATE staff_users SET password_hash = ?2, failed_logins = 0, locked_until_ms = NULL
                 WHERE id = ?1",
                params![id, password_hash],
            )?;
            end_sessions(&tx, id, now_ms)?;
            tx.commit()?;
            login
        };
        self.staff_user(&login)
    }

    /// Sets a new password (the account page), ending every session but `keep_session_hash`.
    pub fn set_staff_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session_hash: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        tx.execute(
            "UPDATE staff_users SET password_hash = ?2 WHERE id = ?1",
            params![user_id, password_hash],
        )?;
        tx.execute(
            "UPDATE staff_sessions SET ended_at_ms = ?2
             WHERE user_id = ?1 AND ended_at_ms IS NULL AND id_hash <> ?3",
            params![user_id, now_ms, keep_session_hash],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn create_staff_session(
        &self,
        id_hash: &str,
        user_id: i64,
        csrf: &str,
        expires_at_ms: i64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.lock().execute(
            "INSERT INTO staff_sessions (id_hash, user_id, csrf, created_at_ms, last_seen_ms, expires_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
            params![id_hash, user_id, csrf, now_ms, expires_at_ms],
        )?;
        Ok(())
    }

    /// The account of a live session (not ended, not expired, not idle longer than
    /// `idle_ms`, account enabled) and the session's CSRF token; marks it seen now.
    pub fn staff_session(
        &self,
        id_hash: &str,
        idle_ms: i64,
        now_ms: i64,
    ) -> Result<Option<(StaffAccount, String)>, StoreError> {
        let conn = self.lock();
        let found = conn
            .query_row(
                &format!(
                    "SELECT {ACCOUNT_COLUMNS}, s.csrf FROM staff_sessions s
                     JOIN staff_users u ON u.id = s.user_id
                     WHERE s.id_hash = ?1 AND s.ended_at_ms IS NULL AND s.expires_at_ms > ?2
                       AND s.last_seen_ms + ?3 > ?2 AND u.disabled_at_ms IS NULL"
                ),
                params![id_hash, now_ms, idle_ms],
                |r| Ok((account_from_row(r)?, r.get::<_, String>(10)?)),
            )
            .optional()?;
        if found.is_some() {
            conn.execute(
                "UPDATE staff_sessions SET last_seen_ms = ?2 WHERE id_hash = ?1",
                params![id_hash, now_ms],
            )?;
        }
        Ok(found)
    }

    pub fn end_staff_session(&self, id_hash: &str, now_ms: i64) -> Result<(), StoreError> {
        self.lock().execute(
            "UPDATE staff_sessions SET ended_at_ms = ?2 WHERE id_hash = ?1 AND ended_at_ms IS NULL",
            params![id_hash, now_ms],
        )?;
        Ok(())
    }

    /// Stores a new API token for an account; returns its id.
    pub fn create_staff_token(
        &self,
        user_id: i64,
        token_hash: &str,
        label: &str,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        Ok(self.lock().query_row(
            "INSERT INTO staff_tokens (token_hash, user_id, label, created_at_ms)
             VALUES (?1, ?2, ?3, ?4) RETURNING id",
            params![token_hash, user_id, label, now_ms],
            |r| r.get(0),
        )?)
    }

    /// The enabled account of a token that is not revoked.
    pub fn staff_by_token(&self, token_hash: &str) -> Result<Option<StaffAccount>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                &format!(
                    "SELECT {ACCOUNT_COLUMNS} FROM staff_tokens t JOIN staff_users u ON u.id = t.user_id
                     WHERE t.token_hash = ?1 AND t.revoked_at_ms IS NULL AND u.disabled_at_ms IS NULL"
                ),
                params![token_hash],
                account_from_row,
            )
            .optional()?)
    }

    pub fn staff_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT id, label, created_at_ms, revoked_at_ms FROM staff_tokens
             WHERE user_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![user_id], |r| {
            Ok(ApiToken {
                id: r.get(0)?,
                label: r.get(1)?,
                created_at_ms: r.get(2)?,
                revoked_at_ms: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Revokes one of an account's tokens; `false` when it has no such token.
    pub fn revoke_staff_token(
        &self,
        user_id: i64,
        token_id: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let changed = self.lock().execute(
            "UPDATE staff_tokens SET revoked_at_ms = coalesce(revoked_at_ms, ?3)
             WHERE id = ?2 AND user_id = ?1",
            params![user_id, token_id, now_ms],
        )?;
        Ok(changed > 0)
    }
}

fn end_sessions(tx: &rusqlite::Transaction<'_>, user_id: i64, now_ms: i64) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE staff_sessions SET ended_at_ms = ?2 WHERE user_id = ?1 AND ended_at_ms IS NULL",
        params![user_id, now_ms],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn officer(store: &Store) -> StaffAccount {
        store
            .create_staff_user(
                &NewStaffUser {
                    login: "laochai",
                    name: "Cán bộ Lao Chải",
                    role: StaffRole::CommuneStaff,
                    unit: Some("lao-chai"),
                    password_hash: None,
                },
                1,
            )
            .expect("create")
            .expect("new login")
    }

    #[test]
    fn roles_read_back_from_their_text_and_unknown_ones_are_named() {
        for role in StaffRole::ALL {
            assert_eq!(role.as_str().parse::<StaffRole>(), Ok(role));
        }
        let err = "admin".parse::<StaffRole>().expect_err("unknown");
        assert!(err.to_string().contains("province-admin"), "{err}");
    }

    #[test]
    fn a_session_ends_when_idle_too_long_or_its_account_is_disabled() {
        let store = Store::open_in_memory().expect("store");
        let user = officer(&store);
        store
            .create_staff_session("h1", user.id, "c1", 10_000, 0)
            .expect("session");
        assert!(store.staff_session("h1", 100, 50).expect("read").is_some());
        assert!(store.staff_session("h1", 100, 149).expect("read").is_some());
        assert!(
            store.staff_session("h1", 100, 250).expect("read").is_none(),
            "idle"
        );
        store
            .create_staff_session("h2", user.id, "c2", 10_000, 300)
            .expect("session");
        assert!(store.disable_staff_user("laochai", 310).expect("disable"));
        assert!(
            store.staff_session("h2", 100, 320).expect("read").is_none(),
            "disabled"
        );
    }

    #[test]
    fn a_login_locks_after_the_threshold_and_a_taken_login_is_refused() {
        let store = Store::open_in_memory().expect("store");
        let user = officer(&store);
        assert!(
            store
                .create_staff_user(
                    &NewStaffUser {
                        login: "laochai",
                        name: "x",
                        role: StaffRole::ProvinceAdmin,
                        unit: None,
                        password_hash: None
                    },
                    2
                )
                .expect("create")
                .is_none()
        );
        for _ in 0..2 {
            assert_eq!(
                store
                    .record_staff_login_failure(user.id, 3, 60, 100)
                    .expect("count"),
                None
            );
        }
        assert_eq!(
            store
                .record_staff_login_failure(user.id, 3, 60, 100)
                .expect("count"),
            Some(160)
        );
        store.clear_staff_login_failures(user.id).expect("clear");
        assert_eq!(
            store
                .staff_user("laochai")
                .expect("read")
                .expect("user")
                .failed_logins,
            0
        );
    }

    #[test]
    fn a_password_link_works_once() {
        let store = Store::open_in_memory().expect("store");
        let user = officer(&store);
        store
            .add_staff_password_link(user.id, "l1", 1000, 0)
            .expect("link");
        assert!(store.staff_password_link("l1", 10).expect("read").is_some());
        assert!(
            store
                .use_staff_password_link("l1", "hash", 10)
                .expect("use")
                .is_some()
        );
        assert!(
            store
                .use_staff_password_link("l1", "hash", 11)
                .expect("use")
                .is_none()
        );
        assert!(
            store
                .staff_user("laochai")
                .expect("read")
                .expect("user")
                .has_password
        );
    }
}
