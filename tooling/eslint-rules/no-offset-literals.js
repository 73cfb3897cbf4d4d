// @ts-check
/**
 * `annal/no-offset-literals`: a byte or word offset into an on-disk or shared-memory format is
 * written as a number only in the layout module that declares the format (with its diagram), and
 * everywhere else by the name it has there. Flags, outside layout files:
 *
 * - the offset argument of a DataView `get*`/`set*` call (`view.getUint32(8, true)`,
 *   `view.setInt32(position + 4, value, true)`);
 * - the offset argument of a Buffer `read*`/`write*` call (`bytes.readInt32LE(128)`,
 *   `bytes.writeUInt32LE(value, start + 8)`), as tests use them to damage files;
 * - the index argument of an `Atomics` call (`Atomics.load(words, 3)`, `Atomics.add(h, i + 1, 1)`);
 * - a numeric literal index into a typed array (`words[1]`; needs type information).
 *
 * An offset argument is flagged when it is a numeric literal, or a sum or difference with one
 * (`base + 4`); a stride (`i * 4`) is not an offset and is left alone. A typed-array index is
 * flagged only when it is a literal itself (`bytes[i + 1]` walks bytes, as a checksum does).
 * With `allowZeroIndex`, index 0 of a typed array used as a single cell passes, in an element
 * access or an Atomics call (`clock[0]`, `Atomics.wait(cell, 0, 0)`); a byte offset 0 does not.
 */

const DATA_VIEW_ACCESSOR = /^(get|set)(Int|Uint|Float|BigInt|BigUint)(8|16|32|64)$/;
const BUFFER_READ = /^read(U?Int(8|16|32)|BigU?Int64|Float|Double)(LE|BE)?$/;
const BUFFER_WRITE = /^write(U?Int(8|16|32)|BigU?Int64|Float|Double)(LE|BE)?$/;
const TYPED_ARRAY = /^(Int|Uint|Float|BigInt|BigUint)(8|16|32|64)(Clamped)?Array$/;

/** @param {import('estree').Node | undefined} node */
function isNumber(node) {
  return node !== undefined && node.type === 'Literal' && typeof node.value === 'number';
}

/** @param {import('estree').Node | undefined} node */
function isZero(node) {
  return node !== undefined && node.type === 'Literal' && node.value === 0;
}

/** A numeric literal, or `x ± literal` / `literal + x`. @param {import('estree').Node | undefined} node */
function hasOffsetLiteral(node) {
  if (node === undefined) return false;
  if (isNumber(node)) return true;
  if (node.type === 'BinaryExpression' && (node.operator === '+' || node.operator === '-')) {
    return isNumber(node.right) || (node.operator === '+' && isNumber(node.left));
  }
  return false;
}

/** @type {import('eslint').Rule.RuleModule} */
export const noOffsetLiterals = {
  meta: {
    type: 'suggestion',
    docs: {
      description: 'Byte and word offsets are named in the layout module of their format',
    },
    schema: [
      {
        type: 'object',
        properties: { allowZeroIndex: { type: 'boolean' } },
        additionalProperties: false,
      },
    ],
    messages: {
      offset:
        'Offset literal outside a layout file: name it in the layout module of its format ({{what}}).',
    },
  },
  create(context) {
    const allowZeroIndex = context.options[0]?.allowZeroIndex === true;
    const services = context.sourceCode.parserServices;
    const checker =
      services?.program !== undefined && services.program !== null
        ? services.program.getTypeChecker()
        : undefined;

    /** @param {import('estree').Node} node */
    function isTypedArray(node) {
      if (checker === undefined || services?.esTreeNodeToTSNodeMap === undefined) return false;
      const type = checker.getTypeAtLocation(services.esTreeNodeToTSNodeMap.get(node));
      const name = type.getSymbol()?.getName() ?? type.aliasSymbol?.getName() ?? '';
      return TYPED_ARRAY.test(name);
    }

    return {
      CallExpression(node) {
        const callee = node.callee;
        if (callee.type !== 'MemberExpression' || callee.property.type !== 'Identifier') return;
        const name = callee.property.name;
        const accessor = DATA_VIEW_ACCESSOR.test(name) || BUFFER_READ.test(name);
        if (accessor || BUFFER_WRITE.test(name)) {
          const offset = node.arguments[accessor ? 0 : 1];
          if (offset !== undefined && hasOffsetLiteral(/** @type {any} */ (offset))) {
            context.report({ node: offset, messageId: 'offset', data: { what: `${name} offset` } });
          }
          return;
        }
        if (callee.object.type === 'Identifier' && callee.object.name === 'Atomics') {
          const index = node.arguments[1];
          if (allowZeroIndex && isZero(/** @type {any} */ (index))) return;
          if (index !== undefined && hasOffsetLiteral(/** @type {any} */ (index))) {
            context.report({
              node: index,
              messageId: 'offset',
              data: { what: `Atomics.${name} index` },
            });
          }
        }
      },
      MemberExpression(node) {
        if (!node.computed) return;
        const index = node.property;
        if (!isNumber(/** @type {any} */ (index))) return;
        if (allowZeroIndex && isZero(/** @type {any} */ (index))) return;
        if (!isTypedArray(node.object)) return;
        context.report({ node: index, messageId: 'offset', data: { what: 'typed-array index' } });
      },
    };
  },
};

export default { rules: { 'no-offset-literals': noOffsetLiterals } };
