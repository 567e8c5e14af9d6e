//! Which of the product's processes are connected to the mirror.
//!
//! Every pool names its connections after the program and one instance of
//! it (`qbench-loader/5f3a9c1e`), unless the URL names them already, so an
//! operator's `status` can count the loaders and APIs that run from
//! PostgreSQL's list of sessions.

use std::sync::OnceLock;

use sqlx::PgPool;

use crate::StoreError;

/// This process's `application_name`: the program's file name and an
/// instance tag, within PostgreSQL's 63 bytes.
pub(crate) fn application_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let program = std::env::args_os()
            .next()
            .map(std::path::PathBuf::from)
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "qbench-mirror".to_owned());
        let instance = uuid::Uuid::now_v7().simple().to_string();
        // The random part of a v7 id: the leading part is the time.
        let tag = &instance[instance.len() - 8..];
        let mut program: String = program.chars().take(40).collect();
        program.push('/');
        program.push_str(tag);
        program
    })
}

/// How many instances of the services hold a connection to the database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Connected {
    pub loaders: i64,
    pub apis: i64,
}

/// The services connected to the database now.
pub async fn connected_services(pool: &PgPool) -> Result<Connected, StoreError> {
    let connected = sqlx::query_as(
        "SELECT count(DISTINCT application_name) \
                 FILTER (WHERE application_name LIKE 'qbench-loader/%') AS loaders, \
             count(DISTINCT application_name) \
                 FILTER (WHERE application_name LIKE 'qbench-api/%') AS apis \
         FROM pg_stat_activity WHERE datname = current_database()",
    )
    .fetch_one(pool)
    .await?;
    Ok(connected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_is_the_program_and_a_tag() {
        let name = application_name();
        let (program, tag) = name.split_once('/').unwrap();
        assert!(!program.is_empty());
        assert_eq!(tag.len(), 8);
        assert!(name.len() <= 63);
        assert_eq!(application_name(), name, "one name per process");
    }
}
