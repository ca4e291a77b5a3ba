// HubSpot-shaped error bodies and a small exception type the route handlers throw.
import { randomUUID } from 'node:crypto';

export type ErrorBody = {
  status: 'error';
  message: string;
  correlationId: string;
  category: string;
  subCategory?: string;
  context?: Record<string, unknown>;
  errors?: Record<string, unknown>[];
  [extra: string]: unknown;
};

export function correlationId(): string {
  return randomUUID();
}

export function errorBody(category: string, message: string, extra: Record<string, unknown> = {}): ErrorBody {
  return { status: 'error', message, correlationId: correlationId(), category, ...extra };
}

/** Thrown by handlers; the error middleware turns it into `status` + `body`. */
export class HubSpotHttpError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.message === 'string' ? body.message : `HTTP ${httpStatus}`);
  }
}

export const validationError = (message: string, extra: Record<string, unknown> = {}): HubSpotHttpError =>
  new HubSpotHttpError(400, errorBody('VALIDATION_ERROR', message, extra));

export const notFound = (message = 'resource not found', extra: Record<string, unknown> = {}): HubSpotHttpError =>
  new HubSpotHttpError(404, errorBody('OBJECT_NOT_FOUND', message, extra));

export const conflict = (message: string, category = 'CONFLICT'): HubSpotHttpError =>
  new HubSpotHttpError(409, errorBody(category, message));

/** One entry of HubSpot's "Property values were not valid: [...]" list. */
export interface PropertyValidationResult {
  isValid: false;
  message: string;
  error: string;
  name: string;
  localizedErrorMessage: string;
  portalId: number;
}

export function propertyValidation(portalId: number, name: string, error: string, message: string): PropertyValidationResult {
  return { isValid: false, message, error, name, localizedErrorMessage: message, portalId };
}

/** 400 VALIDATION_ERROR exactly as the CRM object APIs answer bad property values (changelog 2025-01-06 example). */
export function propertyValuesError(results: PropertyValidationResult[]): HubSpotHttpError {
  return validationError(`Property values were not valid: ${JSON.stringify(results)}`);
}

/**
 * A schema problem in a JSON body, in the shape HubSpot's Jackson layer reports it
 * ("Invalid input JSON on line 1, column 1: Cannot build X, some of required attributes are not set [a, b]").
 */
export function invalidInput(type: string, detail: string): HubSpotHttpError {
  return validationError(`Invalid input JSON on line 1, column 1: Cannot build ${type}, ${detail}`);
}
