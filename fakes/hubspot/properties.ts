// Properties API for contacts (docs/hubspot.md §4): definitions, groups, batch create.
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { conflict, errorBody, HubSpotHttpError, notFound, validationError } from './errors.js';
import { boolParam, isoNow, parseBody } from './http.js';
import type { FakeProperty, FakePropertyGroup, FakePropertyOption, PortalState, PropertyType } from './state.js';

/** Valid type → fieldType pairs (docs/hubspot.md §4.1). */
export const FIELD_TYPES: Record<PropertyType, readonly string[]> = {
  bool: ['booleancheckbox', 'calculation_equation'],
  enumeration: ['select', 'radio', 'checkbox', 'booleancheckbox', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  string: ['text', 'textarea', 'html', 'phonenumber', 'file', 'calculation_equation'],
  number: ['number', 'calculation_equation'],
};
const TYPES = Object.keys(FIELD_TYPES) as PropertyType[];
const NAME_RULE = /^[a-z][a-z0-9_]*$/;
const MAX_UNIQUE = 10;
const EDGE_WS = /^\s|\s$/;

const OptionInput = z.object({
  label: z.string(),
  value: z.string(),
  hidden: z.boolean().optional(),
  displayOrder: z.number().int().optional(),
  description: z.string().optional(),
});

const PropertyCreate = z.object({
  name: z.string(),
  label: z.string(),
  type: z.string(),
  fieldType: z.string(),
  groupName: z.string(),
  description: z.string().optional(),
  options: z.array(OptionInput).optional(),
  displayOrder: z.number().int().optional(),
  hasUniqueValue: z.boolean().optional(),
  hidden: z.boolean().optional(),
  formField: z.boolean().optional(),
  calculationFormula: z.string().optional(),
  externalOptions: z.boolean().optional(),
  referencedObjectType: z.string().optional(),
  dataSensitivity: z.string().optional(),
});
type PropertyCreate = z.infer<typeof PropertyCreate>;

const PropertyUpdate = PropertyCreate.omit({ name: true, hasUniqueValue: true }).partial();
const BatchCreate = z.object({ inputs: z.array(z.unknown()) });
const BatchRead = z.object({ inputs: z.array(z.object({ name: z.string() })), archived: z.boolean().optional() });
const GroupCreate = z.object({ name: z.string(), label: z.string(), displayOrder: z.number().int().optional() });
const GroupUpdate = GroupCreate.omit({ name: true }).partial();

export function propertyOut(state: PortalState, p: FakeProperty): Record<string, unknown> {
  const out: Record<string, unknown> = {
    updatedAt: p.updatedAt,
    createdAt: p.createdAt,
    name: p.name,
    label: p.label,
    type: p.type,
    fieldType: p.fieldType,
    description: p.description,
    groupName: p.groupName,
    options: state.propertyOptions(p).map((o) => ({ ...o })),
    displayOrder: p.displayOrder,
    calculated: p.calculated,
    externalOptions: p.externalOptions,
    hasUniqueValue: p.hasUniqueValue,
    hidden: p.hidden,
    modificationMetadata: { ...p.modificationMetadata },
    formField: p.formField,
    dataSensitivity: 'non_sensitive',
  };
  if (p.hubspotDefined) out.hubspotDefined = true;
  if (p.archived) out.archived = true;
  return out;
}

function groupOut(g: FakePropertyGroup): Record<string, unknown> {
  return { name: g.name, label: g.label, displayOrder: g.displayOrder, archived: g.archived };
}

function checkObjectType(req: Request): void {
  const t = String(req.params.objectType);
  if (t !== 'contacts' && t !== '0-1' && t !== 'contact') {
    throw new HubSpotHttpError(400, errorBody('VALIDATION_ERROR', `Unable to infer object type from: ${t}`));
  }
}

function normaliseOptions(input: z.infer<typeof OptionInput>[]): FakePropertyOption[] {
  const seen = new Set<string>();
  return input.map((o, i) => {
    if (o.value === '' || o.label === '') throw validationError('Property options must have a non-empty label and value');
    if (EDGE_WS.test(o.value)) throw validationError(`Option value "${o.value}" includes leading or trailing whitespace.`);
    if (seen.has(o.value)) throw validationError(`Duplicate option value: ${o.value}`);
    seen.add(o.value);
    const opt: FakePropertyOption = { label: o.label, value: o.value, displayOrder: o.displayOrder ?? i, hidden: o.hidden ?? false };
    if (o.description !== undefined) opt.description = o.description;
    return opt;
  });
}

/** Checks type/fieldType/group/options of a (new or patched) definition; throws HubSpot-style 400s. */
function checkDefinition(state: PortalState, d: { name: string; type: string; fieldType: string; groupName: string; options: FakePropertyOption[] }): PropertyType {
  if (!TYPES.includes(d.type as PropertyType)) {
    throw validationError(`Invalid type '${d.type}' for property ${d.name}. Valid types are: ${TYPES.join(', ')}`);
  }
  const type = d.type as PropertyType;
  if (!FIELD_TYPES[type].includes(d.fieldType)) {
    throw validationError(
      `Invalid fieldType '${d.fieldType}' for property ${d.name} of type '${type}'. Valid field types are: ${FIELD_TYPES[type].join(', ')}`,
    );
  }
  const g = state.groups.get(d.groupName);
  if (!g || g.archived) throw validationError(`Property group ${d.groupName} does not exist.`);
  if (type === 'enumeration' && d.options.length === 0) {
    throw validationError(`Enumeration property ${d.name} must have at least one option.`);
  }
  return type;
}

/** Creates one property or throws the error HubSpot would answer. */
function createProperty(state: PortalState, body: unknown): FakeProperty {
  const input: PropertyCreate = parseBody(PropertyCreate, body, 'PropertyCreate');
  if (input.name.length > 100 || !NAME_RULE.test(input.name)) {
    throw validationError(
      `Invalid property name '${input.name}': names must start with a lowercase letter, contain only lowercase letters, numbers and underscores, and be at most 100 characters.`,
    );
  }
  if (state.properties.has(input.name)) {
    throw conflict(`A property named '${input.name}' already exists.`, 'OBJECT_ALREADY_EXISTS');
  }
  let options = normaliseOptions(input.options ?? []);
  if (input.type === 'bool' && options.length === 0) {
    options = [
      { label: 'Yes', value: 'true', displayOrder: 0, hidden: false },
      { label: 'No', value: 'false', displayOrder: 1, hidden: false },
    ];
  }
  const type = checkDefinition(state, { ...input, options });
  if (input.hasUniqueValue) {
    const unique = [...state.properties.values()].filter((p) => p.hasUniqueValue && !p.archived && !p.hubspotDefined).length;
    if (unique >= MAX_UNIQUE) throw validationError(`You can have at most ${MAX_UNIQUE} unique value properties per object.`);
  }
  const now = isoNow();
  const p: FakeProperty = {
    name: input.name,
    label: input.label,
    type,
    fieldType: input.fieldType,
    groupName: input.groupName,
    description: input.description ?? '',
    options,
    displayOrder: input.displayOrder ?? -1,
    hasUniqueValue: input.hasUniqueValue ?? false,
    hidden: input.hidden ?? false,
    formField: input.formField ?? false,
    calculated: input.fieldType === 'calculation_equation',
    externalOptions: input.externalOptions ?? false,
    hubspotDefined: false,
    archived: false,
    createdAt: now,
    updatedAt: now,
    modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: input.fieldType === 'calculation_equation' },
  };
  state.properties.set(p.name, p);
  return p;
}

export function propertiesRouter(state: PortalState): Router {
  const r = express.Router();
  const base = '/crm/v3/properties/:objectType';

  // ---- groups (registered before /:name) ----
  r.get(`${base}/groups`, (req: Request, res: Response) => {
    checkObjectType(req);
    res.json({ results: [...state.groups.values()].filter((g) => !g.archived).map(groupOut) });
  });
  r.post(`${base}/groups`, (req: Request, res: Response) => {
    checkObjectType(req);
    const input = parseBody(GroupCreate, req.body, 'PropertyGroupCreate');
    if (!NAME_RULE.test(input.name) || input.name.length > 100) {
      throw validationError(`Invalid property group name '${input.name}'.`);
    }
    if (state.groups.has(input.name)) throw conflict(`A property group named '${input.name}' already exists.`, 'OBJECT_ALREADY_EXISTS');
    const g: FakePropertyGroup = { name: input.name, label: input.label, displayOrder: input.displayOrder ?? -1, archived: false };
    state.groups.set(g.name, g);
    res.status(201).json(groupOut(g));
  });
  r.get(`${base}/groups/:groupName`, (req: Request, res: Response) => {
    checkObjectType(req);
    const g = state.groups.get(String(req.params.groupName));
    if (!g || g.archived) throw notFound(`Unable to find property group ${String(req.params.groupName)}`);
    res.json(groupOut(g));
  });
  r.patch(`${base}/groups/:groupName`, (req: Request, res: Response) => {
    checkObjectType(req);
    const g = state.groups.get(String(req.params.groupName));
    if (!g || g.archived) throw notFound(`Unable to find property group ${String(req.params.groupName)}`);
    const input = parseBody(GroupUpdate, req.body, 'PropertyGroupUpdate');
    if (input.label !== undefined) g.label = input.label;
    if (input.displayOrder !== undefined) g.displayOrder = input.displayOrder;
    res.json(groupOut(g));
  });

  // ---- batch ----
  r.post(`${base}/batch/create`, (req: Request, res: Response) => {
    checkObjectType(req);
    const startedAt = isoNow();
    const { inputs } = parseBody(BatchCreate, req.body, 'BatchInputPropertyCreate');
    if (inputs.length > 100) throw validationError(`Batch size ${inputs.length} exceeds the limit of 100 inputs.`);
    const results: Record<string, unknown>[] = [];
    const errors: Record<string, unknown>[] = [];
    for (const input of inputs) {
      try {
        results.push(propertyOut(state, createProperty(state, input)));
      } catch (e) {
        if (!(e instanceof HubSpotHttpError)) throw e;
        const name = typeof input === 'object' && input !== null && 'name' in input ? String(input.name) : '';
        errors.push({
          status: 'error',
          category: e.body.category,
          message: e.body.message,
          context: { name: [name] },
        });
      }
    }
    const body: Record<string, unknown> = { status: 'COMPLETE', results, startedAt, completedAt: isoNow() };
    if (errors.length > 0) {
      body.numErrors = errors.length;
      body.errors = errors;
      res.status(207).json(body);
    } else res.status(201).json(body);
  });
  r.post(`${base}/batch/read`, (req: Request, res: Response) => {
    checkObjectType(req);
    const startedAt = isoNow();
    const input = parseBody(BatchRead, req.body, 'BatchReadInputPropertyName');
    const results = input.inputs
      .map((i) => state.properties.get(i.name))
      .filter((p): p is FakeProperty => p !== undefined && p.archived === (input.archived ?? false))
      .map((p) => propertyOut(state, p));
    res.json({ status: 'COMPLETE', results, startedAt, completedAt: isoNow() });
  });

  // ---- properties ----
  r.get(base, (req: Request, res: Response) => {
    checkObjectType(req);
    const archived = boolParam(req.query.archived);
    const results = [...state.properties.values()].filter((p) => p.archived === archived).map((p) => propertyOut(state, p));
    res.json({ results });
  });
  r.post(base, (req: Request, res: Response) => {
    checkObjectType(req);
    res.status(201).json(propertyOut(state, createProperty(state, req.body)));
  });
  r.get(`${base}/:propertyName`, (req: Request, res: Response) => {
    checkObjectType(req);
    const name = String(req.params.propertyName);
    const p = state.properties.get(name);
    if (!p || p.archived !== boolParam(req.query.archived)) throw notFound(`Unable to find property ${name}`);
    res.json(propertyOut(state, p));
  });
  r.patch(`${base}/:propertyName`, (req: Request, res: Response) => {
    checkObjectType(req);
    const name = String(req.params.propertyName);
    const p = state.properties.get(name);
    if (!p || p.archived) throw notFound(`Unable to find property ${name}`);
    const input = parseBody(PropertyUpdate, req.body, 'PropertyUpdate');
    if (p.modificationMetadata.readOnlyDefinition && (input.type !== undefined || input.fieldType !== undefined)) {
      if ((input.type ?? p.type) !== p.type || (input.fieldType ?? p.fieldType) !== p.fieldType) {
        throw validationError(`Cannot change the type of HubSpot defined property ${name}.`);
      }
    }
    if (p.modificationMetadata.readOnlyOptions && input.options !== undefined) {
      throw validationError(`The options of property ${name} are read only.`);
    }
    const options = input.options !== undefined ? normaliseOptions(input.options) : p.options;
    const next = {
      name,
      type: input.type ?? p.type,
      fieldType: input.fieldType ?? p.fieldType,
      groupName: input.groupName ?? p.groupName,
      options,
    };
    const type = checkDefinition(state, p.externalOptions ? { ...next, options: [{ label: 'x', value: 'x', displayOrder: 0, hidden: false }] } : next);
    p.type = type;
    p.fieldType = next.fieldType;
    p.groupName = next.groupName;
    p.options = options;
    if (input.label !== undefined) p.label = input.label;
    if (input.description !== undefined) p.description = input.description;
    if (input.displayOrder !== undefined) p.displayOrder = input.displayOrder;
    if (input.hidden !== undefined) p.hidden = input.hidden;
    if (input.formField !== undefined) p.formField = input.formField;
    p.updatedAt = isoNow();
    res.json(propertyOut(state, p));
  });
  r.delete(`${base}/:propertyName`, (req: Request, res: Response) => {
    checkObjectType(req);
    const name = String(req.params.propertyName);
    const p = state.properties.get(name);
    if (!p || p.archived) throw notFound(`Unable to find property ${name}`);
    if (!p.modificationMetadata.archivable) throw validationError(`Property ${name} is a HubSpot defined property and cannot be archived.`);
    p.archived = true;
    p.updatedAt = isoNow();
    res.status(204).end();
  });

  return r;
}

