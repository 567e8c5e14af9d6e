//! Stream, subject and consumer names.

use mirror_records::Entity;

/// The streams of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Raw records as fetched: the replayable history.
    Raw,
    /// Records waiting for a parent, republished with their attempt count.
    Retry,
    /// Requests to fetch single records by id (work queue).
    Fetch,
    /// Records given up on, with the reason.
    DeadLetter,
}

impl Stream {
    /// Every stream, in creation order.
    pub const ALL: [Stream; 4] = [
        Stream::Raw,
        Stream::Retry,
        Stream::Fetch,
        Stream::DeadLetter,
    ];

    /// The stream's name on the server.
    pub fn name(self) -> &'static str {
        match self {
            Stream::Raw => "QBENCH_RAW",
            Stream::Retry => "QBENCH_RETRY",
            Stream::Fetch => "QBENCH_FETCH",
            Stream::DeadLetter => "QBENCH_DLQ",
        }
    }

    /// The subject prefix of the stream; subjects are `<prefix>.<entity>`.
    pub fn prefix(self) -> &'static str {
        match self {
            Stream::Raw => "qbench.raw",
            Stream::Retry => "qbench.retry",
            Stream::Fetch => "qbench.fetch",
            Stream::DeadLetter => "qbench.dlq",
        }
    }

    /// The wildcard subject the stream captures.
    pub fn wildcard(self) -> String {
        format!("{}.*", self.prefix())
    }
}

/// The subject of one entity on one stream, e.g. `qbench.raw.test`.
pub fn subject(stream: Stream, entity: Entity) -> String {
    format!("{}.{}", stream.prefix(), entity.as_str())
}

/// Durable consumer names, shared by every instance of a service.
pub mod consumer {
    use mirror_records::Entity;

    /// The loaders' consumer of raw records of one entity.
    pub fn loader(entity: Entity) -> String {
        format!("loader-{}", entity.as_str())
    }

    /// The loaders' consumer of records waiting for a parent.
    pub fn retry(entity: Entity) -> String {
        format!("retry-{}", entity.as_str())
    }

    /// The fetcher's consumer of single-record fetch requests.
    pub fn fetch(entity: Entity) -> String {
        format!("fetcher-{}", entity.as_str())
    }
}

/// JetStream's advisories about messages a consumer gave up on: those that
/// reached the consumer's delivery limit, and those a client terminated.
pub mod advisory {
    use super::Stream;

    /// Every max-deliveries advisory, of any stream and consumer.
    pub const MAX_DELIVERIES: &str = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>";

    /// Every terminated-message advisory, of any stream and consumer.
    pub const TERMINATED: &str = "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.>";

    /// The pipeline's stream of this name, if it is one of them.
    pub fn stream_named(name: &str) -> Option<Stream> {
        Stream::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// The entity a subject of one of the pipeline's streams is about, e.g.
/// `qbench.dlq.test` is about tests.
pub fn entity_of(subject: &str) -> Option<Entity> {
    let (prefix, entity) = subject.rsplit_once('.')?;
    Stream::ALL
        .into_iter()
        .any(|s| s.prefix() == prefix)
        .then(|| entity.parse().ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_follow_the_contract() {
        assert_eq!(subject(Stream::Raw, Entity::Test), "qbench.raw.test");
        assert_eq!(
            subject(Stream::Retry, Entity::Sample),
            "qbench.retry.sample"
        );
        assert_eq!(consumer::loader(Entity::Order), "loader-order");
        assert_eq!(Stream::DeadLetter.wildcard(), "qbench.dlq.*");
        assert_eq!(entity_of("qbench.dlq.test"), Some(Entity::Test));
        assert_eq!(entity_of("other.dlq.test"), None);
        assert_eq!(advisory::stream_named("QBENCH_RAW"), Some(Stream::Raw));
    }
}
