//! CRC-32 (IEEE) of stored rows, verified on every read so a damaged page that SQLite's
//! structure checks miss (a flipped byte inside a payload) is reported, never returned.

/// An incremental CRC-32. Variable-length fields are length-prefixed so that moving bytes
/// from one field to the next changes the sum.
pub(crate) struct Crc(crc32fast::Hasher);

impl Crc {
    pub(crate) fn new() -> Self {
        Crc(crc32fast::Hasher::new())
    }

    pub(crate) fn bytes(mut self, bytes: &[u8]) -> Self {
        self.0.update(&(bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    pub(crate) fn int(mut self, n: i64) -> Self {
        self.0.update(&n.to_le_bytes());
        self
    }

    pub(crate) fn opt(self, bytes: Option<&[u8]>) -> Self {
        match bytes {
            Some(b) => self.int(1).bytes(b),
            None => self.int(0),
        }
    }

    pub(crate) fn finish(self) -> i64 {
        i64::from(self.0.finalize())
    }
}

/// The stored columns of one event, as the checksum sees them.
pub(crate) struct EventRow<'a> {
    pub position: i64,
    pub stream: &'a str,
    pub version: i64,
    pub id: &'a [u8],
    pub event_type: &'a str,
    pub schema_version: i64,
    pub payload: &'a str,
    pub correlation_id: Option<&'a [u8]>,
    pub causation_id: Option<&'a [u8]>,
    pub recorded_at: i64,
}

impl EventRow<'_> {
    pub(crate) fn checksum(&self) -> i64 {
        Crc::new()
            .int(self.position)
            .bytes(self.stream.as_bytes())
            .int(self.version)
            .bytes(self.id)
            .bytes(self.event_type.as_bytes())
            .int(self.schema_version)
            .bytes(self.payload.as_bytes())
            .opt(self.correlation_id)
            .opt(self.causation_id)
            .int(self.recorded_at)
            .finish()
    }

    /// Checks the stored checksum and turns the row into an event.
    pub(crate) fn verify(&self, stored: i64) -> crate::Result<crate::RecordedEvent> {
        if self.checksum() != stored {
            return Err(crate::Error::Corruption(format!(
                "event at position {} (stream `{}`) fails its checksum",
                self.position,
                self.stream.escape_debug()
            )));
        }
        let uuid = |b: &[u8], what: &str| {
            uuid::Uuid::from_slice(b).map_err(|_| {
                crate::Error::Corruption(format!(
                    "event at position {} has a malformed {what}",
                    self.position
                ))
            })
        };
        Ok(crate::RecordedEvent {
            position: crate::from_i64(self.position, "position")?,
            stream: self.stream.to_owned(),
            version: crate::from_i64(self.version, "version")?,
            id: uuid(self.id, "id")?,
            event_type: self.event_type.to_owned(),
            schema_version: u32::try_from(self.schema_version).map_err(|_| {
                crate::Error::Corruption(format!(
                    "event at position {} has schema version {}",
                    self.position, self.schema_version
                ))
            })?,
            payload: serde_json::from_str(self.payload)
                .map_err(|e| crate::corrupt_json("event payload", e))?,
            metadata: crate::Metadata {
                correlation_id: self
                    .correlation_id
                    .map(|b| uuid(b, "correlation id"))
                    .transpose()?,
                causation_id: self
                    .causation_id
                    .map(|b| uuid(b, "causation id"))
                    .transpose()?,
            },
            recorded_at: crate::time_from_micros(self.recorded_at),
        })
    }
}

/// Checksum of a stored document or snapshot: its identity plus its JSON text.
pub(crate) fn doc_checksum(table: &str, key: &str, extra: i64, json: &str) -> i64 {
    Crc::new()
        .bytes(table.as_bytes())
        .bytes(key.as_bytes())
        .int(extra)
        .bytes(json.as_bytes())
        .finish()
}

#[cfg(test)]
mod tests {
    #[test]
    fn length_prefixes_separate_fields() {
        let a = super::Crc::new().bytes(b"ab").bytes(b"c").finish();
        let b = super::Crc::new().bytes(b"a").bytes(b"bc").finish();
        assert_ne!(a, b);
    }
}
