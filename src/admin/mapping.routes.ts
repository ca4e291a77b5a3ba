// Field mapping of a connection: the form (with the CRM's real properties), server-side validation against the
// CRM, and the dry run of the saved mapping on one record.
import { recordsByRef } from '../sync/record-ref.js';
import type { Request, Response, Router } from 'express';
import type { FieldDef, ObjectType } from '../../connectors/types.js';
import type { ConnectionRow } from '../db/connections.repo.js';
import { mappedFields } from '../sync/pipeline.js';
import { adminPath } from './html.js';
import { errorMessage, firstIssue, formBody, type AdminContext } from './context.js';
import { findConnection } from './connections.routes.js';
import { checkMapping, formOf, PreviewForm, readMappingForm } from './mapping-form.js';
import { mappingView, type MappingForm, type PreviewResult } from './views/mapping.js';

/** How the dry run names the mailbox a guard skips. */
const SKIP_GUARD_TEXT = { role_mailbox: 'This is a role or shared mailbox with no LinkedIn URL', disposable_email: 'This is a disposable email address with no LinkedIn URL' } as const;


export function mappingRoutes(r: Router, ctx: AdminContext): void {
  const { deps } = ctx;
  const objectTypesOf = (conn: ConnectionRow): readonly ObjectType[] => deps.connectors[conn.crm].objectTypes;

  /** The CRM's properties per object type; a failure is shown on the page instead of breaking it. */
  async function fieldsOf(conn: ConnectionRow): Promise<Map<ObjectType, FieldDef[] | { error: string }>> {
    const out = new Map<ObjectType, FieldDef[] | { error: string }>();
    if (conn.status === 'disconnected') {
      for (const t of objectTypesOf(conn)) out.set(t, { error: 'the connection is disconnected' });
      return out;
    }
    const c = deps.registry.get(conn.id);
    for (const t of objectTypesOf(conn)) {
      try {
        out.set(t, [...(await c.fields(t)).values()]);
      } catch (err) {
        deps.connectionOps.noteReauth(conn.id, err);
        out.set(t, { error: errorMessage(err) });
      }
    }
    return out;
  }

  async function show(req: Request, res: Response, conn: ConnectionRow, o: { form?: MappingForm; errors?: string[]; preview?: PreviewResult; status?: number } = {}) {
    const settings = deps.registry.get(conn.id).settings;
    ctx.render(req, res, {
      title: 'Field mapping',
      nav: 'connections',
      ...(o.status ? { status: o.status } : {}),
      body: mappingView({
        conn,
        csrf: ctx.session(req).csrf,
        objectTypes: objectTypesOf(conn),
        fields: await fieldsOf(conn),
        form: o.form ?? formOf(settings),
        errors: o.errors ?? [],
        ...(o.preview ? { preview: o.preview } : {}),
      }),
    });
  }

  r.get('/connections/:id/mapping', async (req, res) => {
    const conn = findConnection(ctx, req, res);
    if (conn) await show(req, res, conn);
  });

  r.post('/connections/:id/mapping', async (req, res) => {
    const conn = findConnection(ctx, req, res);
    if (!conn) return;
    const form = readMappingForm(formBody(req));
    const c = deps.registry.get(conn.id);
    const checked = await checkMapping(form, objectTypesOf(conn), (t) => c.fields(t));
    // Re-render with what was typed, so a mistake does not cost the admin the whole form.
    if (!checked.ok) return show(req, res, conn, { form, errors: checked.errors, status: 422 });
    deps.connectionOps.saveSettings(conn.id, checked.settings);
    deps.log.info({ connection: conn.id, mappings: checked.settings.mappings.length }, 'field mapping changed on the admin page');
    ctx.done(req, res, `${adminPath('connections', conn.id)}/mapping`, {
      kind: 'ok',
      message: `Mapping saved: ${checked.settings.mappings.length} fields. It applies to the next enrichment.`,
    });
  });

  r.post('/connections/:id/mapping/preview', async (req, res) => {
    const conn = findConnection(ctx, req, res);
    if (!conn) return;
    const f = PreviewForm.safeParse(formBody(req));
    const back = `${adminPath('connections', conn.id)}/mapping`;
    if (!f.success) return ctx.done(req, res, back, { kind: 'error', message: firstIssue(f.error) });
    if (conn.status === 'disconnected') return ctx.done(req, res, back, { kind: 'error', message: 'This connection is disconnected.' });
    const { objectType, contactId } = f.data;
    const c = deps.registry.get(conn.id);
    const base: PreviewResult = { objectType, contactId, credits: 0, changes: [], skipped: [] };
    let preview: PreviewResult;
    try {
      const { email, contacts } = await recordsByRef(c.session, objectType, contactId, mappedFields(c.settings, objectType));
      const contact = contacts[0];
      if (!contact) preview = { ...base, message: `There is no ${objectType} with ${email ? 'email' : 'id'} ${contactId} in this CRM.` };
      else if (!contact.email && !contact.linkedinUrl) preview = { ...base, message: 'This record has neither an email nor a LinkedIn URL to look up.' };
      else {
        const p = await deps.pipeline.preview(c, contact);
        if (p.skipped) preview = { ...base, guard: p.skipped, message: `${SKIP_GUARD_TEXT[p.skipped]}: a sync would skip it (${p.skipped}) without looking it up, so nothing was charged and nothing would be written.` };
        else if (p.nameMismatch) {
          const { crm, profile } = p.nameMismatch;
          preview = {
            ...base,
            guard: 'name_mismatch',
            ...(p.outcome.status === 200 && p.outcome.body.found ? { provider: p.outcome.body.source_provider, confidence: p.outcome.body.confidence, credits: p.outcome.body.credits_charged } : {}),
            message: `The profile found names ${profile ?? 'someone else'}, but the record names ${crm ?? 'someone else'}: the wrong-person guard would write nothing (name_mismatch).`,
          };
        } else if (p.outcome.status !== 200) preview = { ...base, message: `Enrichment did not answer a profile: ${p.outcome.body.message}.` };
        else if (!p.outcome.body.found || !p.plan) preview = { ...base, message: 'No profile was found for this record, so nothing would be written.' };
        else {
          preview = {
            ...base,
            provider: p.outcome.body.source_provider,
            confidence: p.outcome.body.confidence,
            credits: p.outcome.body.credits_charged,
            changes: p.plan.changes.map((ch) => ({ field: ch.field, old: ch.old, new: ch.new })),
            skipped: p.plan.skipped,
          };
        }
      }
    } catch (err) {
      deps.connectionOps.noteReauth(conn.id, err);
      preview = { ...base, message: `The CRM could not be read: ${errorMessage(err)}` };
    }
    await show(req, res, conn, { preview });
  });
}
