import { decodeRows, encodePredictions, PayloadError, pythonFloat } from '../../../src/emulator/payload';

function payloadError(fn: () => unknown): PayloadError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PayloadError);
    return e as PayloadError;
  }
  throw new Error('expected a PayloadError');
}

describe('decodeRows: text/csv', () => {
  it('reads one row and many rows, \\n or \\r\\n, with a trailing newline', () => {
    expect(decodeRows('1,2.5,-3', 'text/csv')).toEqual([[1, 2.5, -3]]);
    expect(decodeRows('1,2\n3,4\n', 'text/csv')).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(decodeRows(Buffer.from('1,2\r\n3,4\r\n'), 'text/csv; charset=utf-8')).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('reads an empty field as missing, and numpy spellings of nan/inf', () => {
    const [row] = decodeRows('1,,3,nan,NaN,inf,-Infinity, 4e-2 ', 'text/csv');
    expect(row[0]).toBe(1);
    expect(row[1]).toBeNaN();
    expect(row[2]).toBe(3);
    expect(row[3]).toBeNaN();
    expect(row[4]).toBeNaN();
    expect(row.slice(5)).toEqual([Infinity, -Infinity, 0.04]);
    const trailing = decodeRows('1,2,\n3,4,5', 'text/csv');
    expect(trailing[0][2]).toBeNaN();
    expect(trailing[1]).toEqual([3, 4, 5]);
  });

  it('accepts the bare "csv" alias and a missing content type as CSV', () => {
    expect(decodeRows('1,2', 'csv')).toEqual([[1, 2]]);
    expect(decodeRows('1,2', '')).toEqual([[1, 2]]);
  });

  it('returns no rows for an empty body (the container answers 204)', () => {
    expect(decodeRows('', 'text/csv')).toEqual([]);
    expect(decodeRows('\n', 'text/csv')).toEqual([]);
  });

  it('refuses a header, text, hex and ragged rows with 415', () => {
    expect(payloadError(() => decodeRows('tenure,charges\n1,2', 'text/csv'))).toMatchObject({
      statusCode: 415,
      message: expect.stringMatching(/line 1 column 1 is not a number \("tenure"\)/),
    });
    expect(payloadError(() => decodeRows('0x10,1', 'text/csv')).message).toMatch(/not a number/);
    expect(payloadError(() => decodeRows('1,2,3\n4,5', 'text/csv')).message).toMatch(/line 2 has 2 fields/);
  });
});

describe('decodeRows: JSON', () => {
  it.each([
    ['{"instances": [[1, 2], [3, 4]]}'],
    ['{"instances": [{"features": [1, 2]}, {"features": [3, 4]}]}'],
    ['{"instances": [{"data": {"features": {"values": [1, 2]}}}, {"features": [3, 4]}]}'],
    ['[[1, 2], [3, 4]]'],
  ])('reads %s', (body) => {
    expect(decodeRows(body, 'application/json')).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('reads a bare array as one row and null as missing', () => {
    const rows = decodeRows('[1, null, 3]', 'application/json');
    expect(rows).toHaveLength(1);
    expect(rows[0][1]).toBeNaN();
    expect(decodeRows('{"features": [5, 6]}', 'application/json')).toEqual([[5, 6]]);
  });

  it('reads JSON lines', () => {
    expect(decodeRows('[1, 2]\n{"features": [3, 4]}\n', 'application/jsonlines')).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('refuses malformed JSON, wrong shapes and strings that are not numbers', () => {
    expect(payloadError(() => decodeRows('{"instances": [[1, 2]', 'application/json')).message).toMatch(
      /not valid JSON/,
    );
    expect(payloadError(() => decodeRows('{"rows": [[1]]}', 'application/json')).message).toMatch(/instances/);
    expect(payloadError(() => decodeRows('[["a", 1]]', 'application/json')).message).toMatch(/not a number: "a"/);
  });

  it('refuses content types the emulator does not read with 415', () => {
    const err = payloadError(() => decodeRows('1:2 3:4', 'text/x-libsvm'));
    expect(err.statusCode).toBe(415);
    expect(err.message).toMatch(/text\/x-libsvm is not supported/);
  });
});

describe('encodePredictions', () => {
  const binary = [[0.7310585975646973], [0.1234000027179718], [1e-5]];
  const multi = [
    [0.1, 0.2, 0.7],
    [0.5, 0.25, 0.25],
  ];

  it('writes CSV by default: one line per row, multi-output values comma-separated', () => {
    for (const accept of ['', '*/*', 'text/csv', 'text/csv; charset=utf-8']) {
      expect(encodePredictions(binary, accept)).toEqual({
        body: '0.7310585975646973\n0.1234000027179718\n1e-05\n',
        contentType: 'text/csv',
      });
    }
    expect(encodePredictions(multi, 'text/csv').body).toBe('0.1,0.2,0.7\n0.5,0.25,0.25\n');
    expect(encodePredictions([[1], [0]], 'text/csv').body).toBe('1.0\n0.0\n'); // multi:softmax class ids
  });

  it("writes the container's JSON and JSON lines shapes", () => {
    expect(encodePredictions(binary.slice(0, 2), 'application/json')).toEqual({
      body: '{"predictions": [{"score": 0.7310585975646973}, {"score": 0.1234000027179718}]}',
      contentType: 'application/json',
    });
    expect(encodePredictions(multi, 'application/json').body).toBe(
      '{"predictions": [{"score": [0.1, 0.2, 0.7]}, {"score": [0.5, 0.25, 0.25]}]}',
    );
    expect(encodePredictions([[2], [0]], 'application/jsonlines').body).toBe('{"score": 2.0}\n{"score": 0.0}\n');
    expect(JSON.parse(encodePredictions(binary, 'application/json').body).predictions[2].score).toBe(1e-5);
  });

  it('picks a supported type from an Accept list and refuses others with 406', () => {
    expect(encodePredictions(binary, 'application/xml, application/json').contentType).toBe('application/json');
    const err = payloadError(() => encodePredictions(binary, 'application/x-recordio-protobuf'));
    expect(err.statusCode).toBe(406);
    expect(err.message).toMatch(/Accept type application\/x-recordio-protobuf is not supported/);
  });

  it('writes numbers as Python repr does', () => {
    const cases: [number, string][] = [
      [0, '0.0'],
      [-0, '-0.0'],
      [1, '1.0'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [1.5e-7, '1.5e-07'],
      [1e16, '1e+16'],
      [1e15, '1000000000000000.0'],
      [123.456, '123.456'],
      [-2.5e-300, '-2.5e-300'],
      [Math.fround(0.1), '0.10000000149011612'],
      [NaN, 'nan'],
      [-Infinity, '-inf'],
    ];
    for (const [x, want] of cases) expect(pythonFloat(x)).toBe(want);
  });
});
