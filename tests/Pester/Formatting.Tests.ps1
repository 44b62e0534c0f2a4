# The views people see: a table of listed files with readable sizes, a list with every property,
# and Size/LastModified that sort and filter as numbers and dates.
BeforeAll {
    . $PSScriptRoot/Common.ps1
    $script:root = New-TestFolder 'format'
    $work = New-TestFolder 'format-work'
    New-TestFile (Join-Path $work 'small.csv') -Size 100 | Out-Null
    New-TestFile (Join-Path $work 'big.bin') -Size (3 * 1024 * 1024 + 512 * 1024) | Out-Null
    Connect-BronzeStorage -Backend Local -Path $root -Name format
    Send-BronzeFile -Path (Join-Path $work '*') -Destination 'system=api/table=users/'
    (Get-Item (Join-Path $root 'system=api/table=users/small.csv')).LastWriteTimeUtc = [datetime]::new(2020, 1, 2, 3, 4, 5, [DateTimeKind]::Utc)
}
AfterAll { Disconnect-BronzeStorage -All }

Describe 'RemoteObject table view' {
    It 'groups by folder and shows LastModified, Size in binary units and the file name' {
        $text = Get-BronzeFileList system=api/ | Format-Table | Out-String -Width 200
        $text | Should -Match 'Folder: system=api/table=users/'
        $text | Should -Match 'LastModified\s+Size\s+Name'
        $text | Should -Match '3\.5 MiB\s+big\.bin'
        $text | Should -Match '100 B\s+small\.csv'
    }

    It 'is the default view' {
        (Get-BronzeFileList system=api/ | Out-String -Width 200) | Should -Match 'LastModified\s+Size\s+Name'
    }

    It 'shows folders of one-level listings as <dir>' {
        (Get-BronzeFileList system=api/ -Recurse:$false | Out-String -Width 200) | Should -Match '<dir>\s+table=users/'
    }

    It 'shows long partitioned paths whole at 80 columns: the folder once, each file name on its row' {
        $folder = 'system=crm/table=accounts_receivable_history/region=europe-west-2/dt=2025-01-01/'
        $names = 1..3 | ForEach-Object { "part-000$_-c000.snappy.parquet" }
        $src = New-TestFolder 'format-long'
        foreach ($n in $names) { New-TestFile (Join-Path $src $n) -Size 1536 | Out-Null }
        Send-BronzeFile -Path (Join-Path $src '*') -Destination $folder

        $text = Get-BronzeFileList $folder | Out-String -Width 80
        $lines = $text -split "`r?`n"
        $lines | Where-Object { $_.Length -gt 80 } | Should -BeNullOrEmpty
        ($text -replace "`r?`n", '') | Should -Match ([regex]::Escape("Folder: $folder"))
        foreach ($n in $names) { @($lines | Where-Object { $_ -match "1\.5 KiB $([regex]::Escape($n))$" }).Count | Should -Be 1 -Because "$n is shown whole" }
        $text | Should -Not -Match '…'
    }
}

Describe 'RemoteObject list view' {
    It 'shows every property' {
        $item = Get-BronzeFileList system=api/ -Filter big.bin
        $text = $item | Format-List | Out-String -Width 200
        foreach ($name in $item.PSObject.Properties.Name) { $text | Should -Match "(?m)^$name\s+:" -Because "$name is a property" }
        $text | Should -Match 'Size\s+: 3\.5 MiB \(3,670,016 bytes\)'
        $text | Should -Match 'Name\s+: big\.bin'
    }
}

Describe 'Type data' {
    It 'keeps Size a number and LastModified a date, so they sort and filter' {
        $items = Get-BronzeFileList system=api/
        $items[0].Size | Should -BeOfType [long]
        $items[0].LastModified | Should -BeOfType [DateTimeOffset]
        ($items | Sort-Object Size -Descending)[0].Path | Should -Be 'system=api/table=users/big.bin'
        @($items | Where-Object Size -gt 1MB).Path | Should -Be 'system=api/table=users/big.bin'
        @($items | Where-Object LastModified -lt (Get-Date).AddYears(-1)).Path | Should -Be 'system=api/table=users/small.csv'
    }

    It 'adds Name, the leaf of Path' {
        (Get-BronzeFileList system=api/ -Filter small.csv).Name | Should -Be 'small.csv'
        (Get-BronzeFileList system=api/ -Recurse:$false).Name | Should -Be 'table=users/'
    }
}

Describe 'Health report views' {
    It 'shows the checks as a table and the report as a list' {
        $report = Test-BronzeStorage -Connection format
        ($report | Out-String -Width 200) | Should -Match 'Healthy\s+: True'
        ($report | Out-String -Width 200) | Should -Match 'Checks\s+: Write \d+(\.\d+)? ms, Stat'
        ($report.Checks | Out-String -Width 200) | Should -Match 'Check\s+Success\s+LatencyMs\s+Error'
    }
}
