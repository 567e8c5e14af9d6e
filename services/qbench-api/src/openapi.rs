//! The OpenAPI document's frame; routes add their own paths.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Title, tags and the bearer scheme of the document at `/api/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "qbench-mirror API",
        description = "Lab KPIs over the mirror of a QBench tenant. Every `/api/v1` \
                       route needs `Authorization: Bearer <token>` from `POST /api/auth/login`. \
                       Errors answer `{\"code\", \"message\"}`."
    ),
    modifiers(&BearerScheme),
    // Query parameters of an enum type refer to its schema by name; it has
    // to be listed here, or the document holds a reference to nothing.
    components(schemas(mirror_kpis::TatGrouping)),
    tags(
        (name = "health", description = "Liveness"),
        (name = "auth", description = "Login"),
        (name = "metrics", description = "Lab KPIs and sync state"),
        (name = "entities", description = "One sample, test or order with its relatives"),
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` security scheme protected routes refer to.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}
