import writeExcelFile from 'write-excel-file/node';
import { LEDGER_COLUMNS } from '../../functions/shared/domain/ledger-export.ts';

/** The ledger as an .xlsx workbook (write-excel-file: MIT, one dependency); local and CLI use only. */
export const writeLedgerXlsx = async (rows: string[][], filePath: string): Promise<void> => {
  const header = LEDGER_COLUMNS.map((value) => ({ value, fontWeight: 'bold' as const }));
  const body = rows.map((row) => row.map((value) => ({ value, type: String })));
  await writeExcelFile([header, ...body], { sheet: '隐患台账', stickyRowsCount: 1 }).toFile(filePath);
};
