//! Stage 3: the model (IR).

use serde_json::Value;

/// Where and why a document failed to deserialize as OpenAPI 3.0.
pub struct ModelError {
    pub pointer: String,
    pub message: String,
}

/// Deserializes the typed OpenAPI model, reporting the failing location as a
/// JSON pointer.
pub fn model_from_value(value: &Value) -> Result<openapiv3::OpenAPI, ModelError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut pointer = String::new();
        for segment in e.path().iter() {
            use serde_path_to_error::Segment;
            match segment {
                Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
                Segment::Map { key } => {
                    pointer.push('/');
                    pointer.push_str(&crate::load::escape_token(key));
                }
                Segment::Enum { .. } | Segment::Unknown => {}
            }
        }
        ModelError { pointer, message: format!("not a valid OpenAPI 3.0 document: {}", e.inner()) }
    })
}
