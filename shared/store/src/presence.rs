//! Which of the product's processes are connected to the mirror.
//!
//! Every pool names its connections after the program and one instance of
//! it (`qbench-loader/5f3a9c1e`), unless the URL names them already, so an
//! operator's `status` can count the loaders and APIs that run from
//! PostgreSQL's list of sessions.

use std::sync::OnceLock;

use sqlx::PgPool;

use crate::StoreError;

/// The services counted, by program name.
const SERVICES: [&str; 2] = ["qbench-loader", "qbench-api"];

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

/// How many instances of each service hold a connection to the database
/// now, in the order loader, API.
pub async fn connected_services(pool: &PgPool) -> Result<Vec<(&'static str, i64)>, StoreError> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT split_part(application_name, '/', 1), count(DISTINCT application_name) \
         FROM pg_stat_activity \
         WHERE datname = current_database() AND split_part(application_name, '/', 1) = ANY($1) \
         GROUP BY 1",
    )
    .bind(SERVICES)
    .fetch_all(pool)
    .await?;
    Ok(SERVICES
        .iter()
        .map(|service| {
            let count = rows
                .iter()
                .find(|(name, _)| name == service)
                .map_or(0, |(_, n)| *n);
            (*service, count)
        })
        .collect())
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
