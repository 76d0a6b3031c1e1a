import t from 'tap'
import { vectorBase64 } from '../../src/search/vector-base64.ts'

t.test('a vector in base64 is its float32 values, big-endian, exactly', async (t) => {
  const v = new Float32Array([1, -0.5, 0.1, 3.4028234663852886e38, -1e-45, 0])
  const bytes = Buffer.from(vectorBase64(v), 'base64')
  t.equal(bytes.length, 4 * v.length)
  t.same(Array.from(v, (_, i) => bytes.readFloatBE(4 * i)), Array.from(v))
  t.same([...bytes.subarray(0, 4)], [0x3f, 0x80, 0, 0], '1.0 begins with its sign and exponent byte')
})

t.test('a view into a larger buffer is read from its own offset, and left unchanged', async (t) => {
  const whole = new Float32Array([9, 9, 0.25, -2, 9])
  const view = whole.subarray(2, 4)
  const bytes = Buffer.from(vectorBase64(view), 'base64')
  t.same([bytes.readFloatBE(0), bytes.readFloatBE(4)], [0.25, -2])
  t.same(Array.from(whole), [9, 9, 0.25, -2, 9], 'the byte swap works on a copy')
})
