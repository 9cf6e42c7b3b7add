//! Types: type expressions of fields, ids and keys, resolved to [`TypeRef`]s with
//! spans inside the expression text, and records that contain themselves.

use super::*;
use crate::check::rules::{
    sc020_unresolved_reference, sc030_bad_type_expression, sc031_recursive_type,
    sc032_id_field_conflict,
};

impl Resolver<'_> {
    pub(super) fn fields(&mut self, context: ContextId, fields: &[FieldAst]) -> Vec<Field> {
        let mut resolved = Vec::new();
        for field in fields {
            self.snake(&field.name, "field");
            if let Some(ty) = self.type_ref(context, &field.ty) {
                resolved.push(Field {
                    name: field.name.value.clone(),
                    ty,
                    description: text(&field.description),
                    implicit: false,
                    computed: field
                        .computed
                        .as_ref()
                        .map(|c| crate::ir::Computed::parse(&c.value)),
                    span: field.name.span,
                });
            }
        }
        resolved
    }

    /// Byte offset of a scalar's text (a type expression or a reference), past an
    /// opening quote, so spans inside the text line up with what the user wrote.
    pub(super) fn expression_base(&self, ty: &Sp<String>) -> u32 {
        let file = self.sources.file(ty.span.file);
        let bytes = file.text.as_bytes();
        let quoted = matches!(bytes.get(ty.span.start as usize), Some(b'"' | b'\''));
        let start = ty.span.start + u32::from(quoted);
        // A YAML flow list `[T]` reaches us as the text `[T]` with the span of `T`:
        // the brackets are not at the span, so offsets into the text shift back.
        let written = bytes
            .get(start as usize..)
            .map_or(0, |rest| rest.iter().take_while(|b| **b == b'[').count());
        let in_text = ty.value.bytes().take_while(|b| *b == b'[').count();
        start.saturating_sub(in_text.saturating_sub(written) as u32)
    }

    /// A span inside a type expression, kept inside its file and on whole characters.
    pub(super) fn expression_span(
        &self,
        ty: &Sp<String>,
        base: u32,
        offset: usize,
        len: usize,
    ) -> Span {
        let text = &self.sources.file(ty.span.file).text;
        let mut start = ((base as usize) + offset)
            .max(ty.span.start as usize)
            .min(text.len());
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (start + len.max(1)).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        Span {
            file: ty.span.file,
            start: start as u32,
            len: (end - start) as u32,
        }
    }

    pub(super) fn type_ref(&mut self, context: ContextId, ty: &Sp<String>) -> Option<TypeRef> {
        let base = self.expression_base(ty);
        match parse_type(&ty.value) {
            Ok(syntax) => self.resolve_syntax(context, &syntax, ty, base),
            Err(error) => {
                let span = self.expression_span(ty, base, error.offset, error.len);
                self.name_finding(sc030_bad_type_expression::diagnostic(
                    &ty.value,
                    &error.message,
                    span,
                ));
                None
            }
        }
    }

    pub(super) fn resolve_syntax(
        &mut self,
        context: ContextId,
        syntax: &TypeSyntax,
        ty: &Sp<String>,
        base: u32,
    ) -> Option<TypeRef> {
        match syntax {
            TypeSyntax::List(inner) => self
                .resolve_syntax(context, inner, ty, base)
                .map(|t| TypeRef::List(Box::new(t))),
            TypeSyntax::Optional(inner) => self
                .resolve_syntax(context, inner, ty, base)
                .map(|t| TypeRef::Optional(Box::new(t))),
            TypeSyntax::Map(inner) => self
                .resolve_syntax(context, inner, ty, base)
                .map(|t| TypeRef::Map(Box::new(t))),
            TypeSyntax::Name { name, offset } => {
                if let Some(primitive) = Primitive::parse(name) {
                    return Some(TypeRef::Primitive(primitive));
                }
                let span = self.expression_span(ty, base, *offset, name.len());
                if let Some((other, _)) = name.split_once('.') {
                    self.name_finding(sc020_unresolved_reference::foreign_type(name, other, span));
                    return None;
                }
                match self.scopes[context.index()].names.get(name.as_str()) {
                    Some((Element::Type(id), _)) => Some(TypeRef::Named(*id)),
                    Some((Element::Dropped, _)) => {
                        self.unresolved += 1;
                        None
                    }
                    Some((other, _)) => {
                        let found = other.kind();
                        self.name_finding(sc020_unresolved_reference::not_a_type(
                            name, found, span,
                        ));
                        None
                    }
                    None => {
                        let types: Vec<String> = self.scopes[context.index()]
                            .names
                            .iter()
                            .filter(|(_, (e, _))| matches!(e, Element::Type(_)))
                            .map(|(n, _)| n.clone())
                            .collect();
                        let context_name = &self.model.contexts[context.index()].name;
                        let finding = sc020_unresolved_reference::unknown_type(
                            name,
                            context_name,
                            span,
                            &types,
                        );
                        self.name_finding(finding);
                        None
                    }
                }
            }
        }
    }

    /// The fields of a command or event with the aggregate id first. A declared id
    /// field must have the id's type.
    pub(super) fn message_fields(
        &mut self,
        context: ContextId,
        aggregate: AggregateId,
        id_ast: &IdAst,
        owner: &Name,
        fields: &[FieldAst],
    ) -> Vec<Field> {
        let id = self.model.aggregates[aggregate.index()].id.clone();
        let mut resolved = Vec::new();
        // One field at a time, so each resolved field stays paired with its syntax
        // (a field whose type fails to resolve is dropped from the result).
        for ast in fields {
            let Some(field) = self.fields(context, std::slice::from_ref(ast)).pop() else {
                continue;
            };
            if field.name == id.name && field.ty != id.ty {
                self.name_finding(sc032_id_field_conflict::diagnostic(
                    &owner.value,
                    &id.name,
                    &ast.ty.value,
                    ast.ty.span,
                    &id_ast.ty.value,
                    id_ast.ty.span,
                ));
            }
            resolved.push(field);
        }
        // The id stays the aggregate's; written out, it may still say how a policy's
        // rule computes it (`computed:`), and where.
        let mut id = id;
        if let Some(written) = resolved
            .iter()
            .find(|f| f.name == id.name && f.computed.is_some())
        {
            id.computed = written.computed.clone();
            id.span = written.span;
        }
        let mut all = vec![id.clone()];
        all.extend(resolved.into_iter().filter(|f| f.name != id.name));
        all
    }

    /// Records containing records by value: a cycle means infinite size.
    pub(super) fn recursive_types(&mut self) {
        let mut direct: BTreeMap<TypeId, Vec<(TypeId, String)>> = BTreeMap::new();
        for (index, ty) in self.model.types.iter().enumerate() {
            if let NamedTypeKind::Record(fields) = &ty.kind {
                for field in fields {
                    if let TypeRef::Named(target) = field.ty {
                        direct
                            .entry(TypeId(index as u32))
                            .or_default()
                            .push((target, field.name.clone()));
                    }
                }
            }
        }
        let mut reported: BTreeSet<TypeId> = BTreeSet::new();
        for start in direct.keys().copied().collect::<Vec<_>>() {
            if reported.contains(&start) {
                continue;
            }
            // Depth-first search for a path back to `start`.
            let mut stack: Vec<(TypeId, Vec<(TypeId, String)>)> = vec![(start, Vec::new())];
            let mut seen = BTreeSet::new();
            let mut cycle = None;
            while let Some((node, path)) = stack.pop() {
                for (next, field) in direct.get(&node).into_iter().flatten() {
                    let mut next_path = path.clone();
                    next_path.push((node, field.clone()));
                    if *next == start {
                        cycle = Some(next_path);
                        break;
                    }
                    if seen.insert(*next) {
                        stack.push((*next, next_path));
                    }
                }
                if cycle.is_some() {
                    break;
                }
            }
            let Some(cycle) = cycle else { continue };
            let chain: Vec<(&str, &str)> = cycle
                .iter()
                .map(|(ty, field)| (self.model.types[ty.index()].name.as_str(), field.as_str()))
                .collect();
            for (ty, _) in &cycle {
                reported.insert(*ty);
            }
            let ty = &self.model.types[start.index()];
            let context = ty.context;
            let span = self.scopes[context.index()]
                .names
                .get(&ty.name)
                .map(|(_, s)| *s)
                .unwrap_or_default();
            self.name_finding(sc031_recursive_type::diagnostic(&ty.name, &chain, span));
        }
    }
}
