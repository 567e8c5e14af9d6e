//! OpenTelemetry traces over OTLP/HTTP, and the W3C `traceparent` that
//! carries a record's trace from the fetcher through JetStream to the
//! loader's commit.
//!
//! Export is on only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set and `OTEL_SDK_DISABLED` is
//! not `true`; the SDK reads the other standard variables (headers,
//! timeout, sampler, batch sizes) itself. When export is off, [`exporting`]
//! is false and the services create no trace spans at all, so tracing costs
//! one relaxed load per page or batch.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::Context;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanContext, TraceContextExt, TracerProvider as _};
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The propagation header's name, as the W3C Trace Context spells it.
const TRACEPARENT: &str = "traceparent";

/// Whether this process installed a trace exporter.
static EXPORTING: AtomicBool = AtomicBool::new(false);

/// The trace exporter could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TracesError {
    /// The exporter refused its configuration. Its error says what was
    /// wrong already, so it is only in the message, not also a source that
    /// a `{:#}` would print a second time.
    #[error("cannot export traces: {0}")]
    Exporter(opentelemetry_otlp::ExporterBuildError),
    /// An endpoint variable holds something other than an HTTP address (the
    /// exporter speaks OTLP over HTTP only).
    #[error("{variable} is invalid: {value:?} is not an http:// or https:// address")]
    Endpoint {
        variable: &'static str,
        value: String,
    },
    /// `OTEL_TRACES_SAMPLER` names a sampler the SDK does not have; it
    /// would quietly sample everything instead.
    #[error("OTEL_TRACES_SAMPLER is invalid: {0:?} is not one of {samplers}", samplers = SAMPLERS.join(", "))]
    Sampler(String),
    /// `OTEL_TRACES_SAMPLER_ARG` is not the ratio a ratio sampler needs.
    #[error("OTEL_TRACES_SAMPLER_ARG is invalid: {0:?} is not a ratio from 0 to 1")]
    SamplerRatio(String),
}

/// The samplers `OTEL_TRACES_SAMPLER` may name, as the SDK spells them.
const SAMPLERS: [&str; 6] = [
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
];

impl From<opentelemetry_otlp::ExporterBuildError> for TracesError {
    fn from(error: opentelemetry_otlp::ExporterBuildError) -> Self {
        TracesError::Exporter(error)
    }
}

/// Refuses an endpoint variable that is set but names no HTTP address;
/// `read` looks a variable up.
fn check_endpoints(read: impl Fn(&str) -> Option<String>) -> Result<(), TracesError> {
    for variable in [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ] {
        let Some(value) = read(variable) else {
            continue;
        };
        let value = value.trim();
        if !value.is_empty() && !value.starts_with("http://") && !value.starts_with("https://") {
            return Err(TracesError::Endpoint {
                variable,
                value: value.to_owned(),
            });
        }
    }
    Ok(())
}

/// Refuses a sampler the SDK would replace with its default without a
/// word, and a ratio it would read as 1; `read` looks a variable up.
fn check_sampler(read: impl Fn(&str) -> Option<String>) -> Result<(), TracesError> {
    let Some(sampler) = read("OTEL_TRACES_SAMPLER").filter(|s| !s.is_empty()) else {
        return Ok(());
    };
    if !SAMPLERS.contains(&sampler.as_str()) {
        return Err(TracesError::Sampler(sampler));
    }
    if sampler.ends_with("traceidratio")
        && let Some(ratio) = read("OTEL_TRACES_SAMPLER_ARG")
        && !ratio.parse::<f64>().is_ok_and(|r| (0.0..=1.0).contains(&r))
    {
        return Err(TracesError::SamplerRatio(ratio));
    }
    Ok(())
}

/// Whether spans are exported; callers skip building trace spans otherwise.
pub fn exporting() -> bool {
    EXPORTING.load(Ordering::Relaxed)
}

/// Whether the standard variables ask for export: an endpoint is set and
/// the SDK is not disabled.
pub(crate) fn wanted_from_env() -> bool {
    let set = |name| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
    let disabled = std::env::var("OTEL_SDK_DISABLED").is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    !disabled && (set("OTEL_EXPORTER_OTLP_ENDPOINT") || set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
}

/// Builds the provider: a batch processor on its own thread, posting
/// protobuf bodies with the blocking client, so no async runtime is needed.
/// `endpoint` is the full URL of the traces route (`…/v1/traces`); `None`
/// takes it from the environment.
pub(crate) fn provider(
    service: &'static str,
    endpoint: Option<&str>,
) -> Result<SdkTracerProvider, TracesError> {
    // The exporter's HTTP client uses rustls without a provider of its own;
    // an error only means one is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();

    let mut exporter = SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary);
    match endpoint {
        Some(endpoint) => exporter = exporter.with_endpoint(endpoint),
        None => check_endpoints(|name| std::env::var(name).ok())?,
    }
    check_sampler(|name| std::env::var(name).ok())?;
    let exporter = exporter.build()?;

    // OTEL_SERVICE_NAME, when set, names the service instead.
    let mut resource = Resource::builder();
    if std::env::var("OTEL_SERVICE_NAME").is_err() {
        resource = resource.with_service_name(service);
    }
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource.build())
        .build())
}

/// The tracer the subscriber's OpenTelemetry layer records with; marks the
/// process as exporting.
pub(crate) fn tracer(provider: &SdkTracerProvider, service: &'static str) -> SdkTracer {
    EXPORTING.store(true, Ordering::Relaxed);
    provider.tracer(service)
}

/// The `traceparent` naming `span`, to send along with a message; `None`
/// when nothing is exported or the span is not recorded.
pub fn traceparent(span: &Span) -> Option<String> {
    if !exporting() {
        return None;
    }
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&span.context(), &mut carrier);
    carrier.remove(TRACEPARENT)
}

/// The span a `traceparent` names, or `None` when it is malformed.
pub fn remote_span(traceparent: &str) -> Option<SpanContext> {
    let carrier = HashMap::from([(TRACEPARENT.to_owned(), traceparent.to_owned())]);
    let cx = TraceContextPropagator::new().extract(&carrier);
    let remote = cx.span().span_context().clone();
    remote.is_valid().then_some(remote)
}

/// Makes `span` a child of the remote span: its trace continues there.
/// Call it before the span is first entered; a malformed value is ignored.
pub fn continue_trace(span: &Span, traceparent: &str) {
    if let Some(remote) = remote_span(traceparent) {
        let parent = Context::new().with_remote_span_context(remote);
        // Only fails without the layer (nothing is exported then) or once
        // the span has started, which callers avoid.
        let _ = span.set_parent(parent);
    }
}

/// Links `span` to the remote span, without making it a child.
pub fn link_to(span: &Span, traceparent: &str) {
    if let Some(remote) = remote_span(traceparent) {
        span.add_link(remote);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_must_be_an_http_address() {
        let only = |name: &'static str, value: &'static str| {
            move |asked: &str| (asked == name).then(|| value.to_owned())
        };
        let refused = check_endpoints(only("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://x")).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "OTEL_EXPORTER_OTLP_ENDPOINT is invalid: \"ftp://x\" is not an http:// or https:// address"
        );
        let traces = only("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "collector:4318");
        assert!(check_endpoints(traces).is_err());
        assert!(
            check_endpoints(only("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")).is_ok()
        );
        assert!(check_endpoints(|_: &str| None).is_ok());
    }

    #[test]
    fn a_sampler_must_be_one_the_sdk_has() {
        fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
            move |asked| {
                pairs
                    .iter()
                    .find(|(name, _)| *name == asked)
                    .map(|(_, value)| (*value).to_owned())
            }
        }
        let refused = check_sampler(vars(&[("OTEL_TRACES_SAMPLER", "sometimes")])).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "OTEL_TRACES_SAMPLER is invalid: \"sometimes\" is not one of always_on, always_off, \
             traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio"
        );
        let ratio = [
            ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "10%"),
        ];
        assert_eq!(
            check_sampler(vars(&ratio)).unwrap_err().to_string(),
            "OTEL_TRACES_SAMPLER_ARG is invalid: \"10%\" is not a ratio from 0 to 1"
        );
        let above = [
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "1.5"),
        ];
        assert!(check_sampler(vars(&above)).is_err());
        let fine = [
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
        ];
        assert!(check_sampler(vars(&fine)).is_ok());
        // The argument means nothing to the other samplers.
        let unused = [
            ("OTEL_TRACES_SAMPLER", "always_on"),
            ("OTEL_TRACES_SAMPLER_ARG", "x"),
        ];
        assert!(check_sampler(vars(&unused)).is_ok());
        assert!(check_sampler(vars(&[("OTEL_TRACES_SAMPLER", "")])).is_ok());
        assert!(check_sampler(|_: &str| None).is_ok());
    }

    #[test]
    fn a_well_formed_traceparent_names_its_span() {
        let value = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

        let remote = remote_span(value).expect("a valid span context");

        assert_eq!(
            remote.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(remote.span_id().to_string(), "00f067aa0ba902b7");
        assert!(remote.is_sampled());
        assert!(remote.is_remote());
    }

    #[test]
    fn a_malformed_traceparent_names_nothing() {
        for value in [
            "",
            "garbage",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        ] {
            assert!(remote_span(value).is_none(), "{value}");
        }
    }

    #[test]
    fn a_span_continues_the_trace_its_traceparent_names() {
        let provider = SdkTracerProvider::builder().build();
        let layer = tracing_opentelemetry::layer().with_tracer(tracer(&provider, "test"));
        let subscriber =
            tracing_subscriber::layer::SubscriberExt::with(tracing_subscriber::registry(), layer);

        tracing::subscriber::with_default(subscriber, || {
            let sent = tracing::info_span!("publish_page");
            let value = traceparent(&sent).expect("a traceparent for a recorded span");
            let received = tracing::info_span!(parent: None, "load_record");
            continue_trace(&received, &value);

            let sent = sent.context().span().span_context().clone();
            let received = received.context().span().span_context().clone();
            assert_eq!(received.trace_id(), sent.trace_id());
            assert_ne!(received.span_id(), sent.span_id());
            assert_eq!(
                remote_span(&value).map(|r| r.span_id()),
                Some(sent.span_id())
            );
        });
    }

    #[test]
    fn a_span_nobody_records_has_no_traceparent() {
        let span = tracing::info_span!("publish_page");

        assert_eq!(traceparent(&span), None);
    }
}
