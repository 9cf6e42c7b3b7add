//! CRC-32 (IEEE) of stored rows, verified on every read so a damaged page that SQLite's
//! structure checks miss (a flipped byte inside a payload) is reported, never returned.

/// An incremental CRC-32. Variable-length fields are length-prefixed so that moving bytes
/// from one field to the next changes the sum.
///
/// Small pieces (the length prefixes, integers, short names) are gathered in a buffer and
/// hashed together: a CRC over the concatenation equals the CRC of the pieces in turn, and
/// one call over 64 bytes costs a fraction of eight calls over 8 (the small-update path
/// was a third of the checksum's time in the read profile).
pub(crate) struct Crc {
    hasher: crc32fast::Hasher,
    pending: [u8; PENDING],
    len: usize,
}

/// Bytes gathered before they are hashed.
const PENDING: usize = 128;

impl Crc {
    pub(crate) fn new() -> Self {
        Crc {
            hasher: crc32fast::Hasher::new(),
            pending: [0; PENDING],
            len: 0,
        }
    }

    /// Adds `bytes` to the sum: gathered when they fit, else hashed directly.
    fn push(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() > PENDING {
            self.flush();
            if bytes.len() > PENDING {
                self.hasher.update(bytes);
                return;
            }
        }
        self.pending[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn flush(&mut self) {
        self.hasher.update(&self.pending[..self.len]);
        self.len = 0;
    }

    // The builder methods take `&mut self`: by value, the 150-byte state was copied at
    // every call, which cost more than hashing.
    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.push(&(bytes.len() as u64).to_le_bytes());
        self.push(bytes);
        self
    }

    pub(crate) fn int(&mut self, n: i64) -> &mut Self {
        self.push(&n.to_le_bytes());
        self
    }

    pub(crate) fn opt(&mut self, bytes: Option<&[u8]>) -> &mut Self {
        match bytes {
            Some(b) => self.int(1).bytes(b),
            None => self.int(0),
        }
    }

    pub(crate) fn finish(&mut self) -> i64 {
        self.flush();
        i64::from(self.hasher.clone().finalize())
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

    /// Checks the stored checksum and turns the row into an event, parsing the payload.
    pub(crate) fn verify(&self, stored: i64) -> crate::Result<crate::RecordedEvent> {
        self.verify_with(stored, |json| {
            serde_json::from_str(json).map_err(|e| crate::corrupt_json("event payload", e))
        })
        .map(Into::into)
    }

    /// Checks the stored checksum and turns the row into an event whose payload is the
    /// stored JSON text: the checksum covers that text, so it is what was written.
    #[cfg(feature = "sqlite")]
    pub(crate) fn verify_raw(&self, stored: i64) -> crate::Result<crate::RawEvent> {
        let e = self.verify_with(stored, |json| Ok(json.to_owned()))?;
        Ok(crate::RawEvent {
            position: e.position,
            stream: e.stream,
            version: e.version,
            id: e.id,
            event_type: e.event_type,
            schema_version: e.schema_version,
            payload_json: e.payload,
            metadata: e.metadata,
            recorded_at: e.recorded_at,
        })
    }

    /// The checksum check and the conversion of every column but the payload, which
    /// `payload` makes (parsed for the typed reads, copied for the raw ones).
    fn verify_with<P>(
        &self,
        stored: i64,
        payload: impl FnOnce(&str) -> crate::Result<P>,
    ) -> crate::Result<Checked<P>> {
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
        Ok(Checked {
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
            payload: payload(self.payload)?,
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

/// A verified event row with its payload in the reader's form. `RecordedEvent` is this
/// with a `Value`; a struct with the same fields lets both reads share the checks.
struct Checked<P> {
    position: u64,
    stream: String,
    version: u64,
    id: uuid::Uuid,
    event_type: String,
    schema_version: u32,
    payload: P,
    metadata: crate::Metadata,
    recorded_at: std::time::SystemTime,
}

impl From<Checked<serde_json::Value>> for crate::RecordedEvent {
    fn from(e: Checked<serde_json::Value>) -> Self {
        crate::RecordedEvent {
            position: e.position,
            stream: e.stream,
            version: e.version,
            id: e.id,
            event_type: e.event_type,
            schema_version: e.schema_version,
            payload: e.payload,
            metadata: e.metadata,
            recorded_at: e.recorded_at,
        }
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
    /// Gathering small pieces must not change a sum already stored: the same fields give
    /// the CRC of their plain concatenation, whatever their sizes.
    #[test]
    fn gathered_pieces_hash_like_their_concatenation() {
        for sizes in [vec![0, 3, 200, 8], vec![127, 1, 129, 40], vec![128, 128, 5]] {
            let mut plain = Vec::new();
            let mut crc = super::Crc::new();
            let crc = &mut crc;
            for (i, n) in sizes.iter().enumerate() {
                let piece = vec![i as u8 + 1; *n];
                plain.extend_from_slice(&(*n as u64).to_le_bytes());
                plain.extend_from_slice(&piece);
                plain.extend_from_slice(&(i as i64).to_le_bytes());
                crc.bytes(&piece).int(i as i64);
            }
            assert_eq!(
                crc.finish(),
                i64::from(crc32fast::hash(&plain)),
                "{sizes:?}"
            );
        }
    }

    #[test]
    fn length_prefixes_separate_fields() {
        let a = super::Crc::new().bytes(b"ab").bytes(b"c").finish();
        let b = super::Crc::new().bytes(b"a").bytes(b"bc").finish();
        assert_ne!(a, b);
    }
}
