/**
 * How Cognito's exceptions become AccountUserErrors, including the ones the local emulator never
 * raises (it answers some cases differently from AWS).
 */
import { accountErrorFor, type CognitoOperation } from '../src/cognito';

function exception(name: string, message = 'detail from Cognito'): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('Cognito exceptions as account errors', () => {
  it.each<[CognitoOperation, string, string, string | null]>([
    ['signUp', 'UsernameExistsException', 'USERNAME_EXISTS', 'email'],
    ['signUp', 'InvalidPasswordException', 'INVALID_PASSWORD', 'password'],
    ['signIn', 'NotAuthorizedException', 'NOT_AUTHORIZED', null],
    ['signIn', 'UserNotFoundException', 'NOT_AUTHORIZED', null],
    ['signIn', 'UserNotConfirmedException', 'USER_NOT_CONFIRMED', 'email'],
    ['signIn', 'TooManyRequestsException', 'RATE_LIMITED', null],
    ['confirmSignUp', 'CodeMismatchException', 'CODE_MISMATCH', 'code'],
    ['confirmSignUp', 'ExpiredCodeException', 'CODE_MISMATCH', 'code'],
    ['confirmSignUp', 'UserNotFoundException', 'NOT_FOUND', 'email'],
    ['refreshSession', 'NotAuthorizedException', 'NOT_AUTHORIZED', 'refreshToken'],
  ])('%s: %s is %s', (operation, name, code, field) => {
    expect(accountErrorFor(operation, exception(name))).toEqual({
      code,
      field,
      message: expect.any(String),
    });
  });

  it('maps an InvalidParameterException about the email to INVALID_EMAIL', () => {
    expect(
      accountErrorFor(
        'signUp',
        exception('InvalidParameterException', 'Invalid email address format.'),
      ),
    ).toMatchObject({ code: 'INVALID_EMAIL', field: 'email' });
  });

  it('never passes Cognito’s own message through', () => {
    const mapped = accountErrorFor('signIn', exception('NotAuthorizedException', 'secret detail'));
    expect(mapped?.message).not.toContain('secret detail');
  });

  it.each<[CognitoOperation, string]>([
    ['signUp', 'InternalErrorException'],
    ['signUp', 'InvalidParameterException'],
    ['signIn', 'ResourceNotFoundException'],
    ['refreshSession', 'InvalidParameterException'],
  ])('leaves %s: %s to be thrown (unexpected)', (operation, name) => {
    expect(accountErrorFor(operation, exception(name, 'something else'))).toBeNull();
  });
});
