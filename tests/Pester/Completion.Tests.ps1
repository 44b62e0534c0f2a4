# Tab completion as a user gets it (TabExpansion2): remote paths one level at a time from the
# connection in use, connection names, backend names; nothing thrown when not connected.
BeforeAll {
    . $PSScriptRoot/Common.ps1
    function Complete([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches)
    }
    function CompletionText([string] $Line) { @(Complete $Line | ForEach-Object CompletionText) }

    $script:root = New-TestFolder 'completion'
    foreach ($f in 'system=api/table=users/dt=2025-01-01/part-1.csv', 'system=api/table=orders/part-1.csv',
        'top.csv', 'my folder/sub/f.txt', "my folder/x y.txt") {
        New-TestFile (Join-Path $root $f) -Size 10 | Out-Null
    }
}
AfterAll { Disconnect-BronzeStorage -All -ErrorAction SilentlyContinue }

Describe 'Remote path completion without a connection' {
    It 'offers nothing and throws nothing' {
        Disconnect-BronzeStorage -All
        { Complete 'Get-BronzeFile -Path sys' } | Should -Not -Throw
        CompletionText 'Get-BronzeFile -Path sys' | Should -BeNullOrEmpty
        CompletionText 'Get-BronzeFileList -Prefix ' | Should -BeNullOrEmpty
    }
}

Describe 'Remote path completion' {
    BeforeAll { Connect-BronzeStorage -Backend Local -Path $root -Name completion }

    It 'completes the first level, folders ending with /' {
        CompletionText 'Get-BronzeFile -Path ' | Should -Be @("'my folder/'", 'system=api/', 'top.csv')
    }

    It 'completes one level at a time' {
        CompletionText 'Get-BronzeFile -Path sys' | Should -Be @('system=api/')
        CompletionText 'Get-BronzeFile -Path system=api/' | Should -Be @('system=api/table=orders/', 'system=api/table=users/')
        CompletionText 'Get-BronzeFile system=api/table=u' | Should -Be @('system=api/table=users/')
        CompletionText 'Get-BronzeFile system=api/table=orders/' | Should -Be @('system=api/table=orders/part-1.csv')
    }

    It 'marks folders as containers and files as items, with the leaf as the list text' {
        $results = Complete 'Get-BronzeFile system=api/'
        $results[0].ResultType | Should -Be 'ProviderContainer'
        $results[0].ListItemText | Should -Be 'table=orders/'
        (Complete 'Get-BronzeFile top')[0].ResultType | Should -Be 'ProviderItem'
    }

    It 'quotes paths with spaces, also when the user started a quote' {
        CompletionText "Get-BronzeFile 'my" | Should -Be @("'my folder/'")
        CompletionText "Get-BronzeFile 'my folder/" | Should -Be @("'my folder/sub/'", "'my folder/x y.txt'")
    }

    It 'completes -Prefix of Get-BronzeFileList, -Destination of Send-BronzeFile and -Path of Remove-BronzeFile' {
        CompletionText 'Get-BronzeFileList -Prefix system=api/' | Should -Be @('system=api/table=orders/', 'system=api/table=users/')
        CompletionText 'Get-BronzeFileList system=' | Should -Be @('system=api/')
        CompletionText 'Send-BronzeFile ./x.csv -Destination system=api/t' | Should -Be @('system=api/table=orders/', 'system=api/table=users/')
        CompletionText 'Remove-BronzeFile -Path to' | Should -Be @('top.csv')
    }

    It 'uses the connection named by -Connection' {
        $other = New-TestFolder 'completion-other'
        New-TestFile (Join-Path $other 'only-here/x.csv') | Out-Null
        Connect-BronzeStorage -Backend Local -Path $other -Name other
        try {
            CompletionText 'Get-BronzeFile -Connection completion -Path ' | Should -Not -Contain 'only-here/'
            CompletionText 'Get-BronzeFile -Connection other -Path ' | Should -Be @('only-here/')
        }
        finally { Disconnect-BronzeStorage -Name other; Connect-BronzeStorage -Backend Local -Path $root -Name completion }
    }

    It 'offers nothing for an invalid path, without throwing' {
        CompletionText 'Get-BronzeFile ../' | Should -BeNullOrEmpty
    }

    It 'stops at 200 entries in a large folder' {
        $big = New-TestFolder 'completion-big'
        foreach ($i in 1..250) { [IO.File]::WriteAllText((Join-Path $big "part-$($i.ToString('000')).csv"), 'x') }
        Connect-BronzeStorage -Backend Local -Path $big -Name big
        try { @(CompletionText 'Get-BronzeFile -Connection big -Path part-').Count | Should -Be 200 }
        finally { Disconnect-BronzeStorage -Name big; Connect-BronzeStorage -Backend Local -Path $root -Name completion }
    }
}

Describe 'Name completion' {
    BeforeAll {
        Connect-BronzeStorage -Backend Local -Path $root -Name alpha
        Connect-BronzeStorage -Backend Local -Path $root -Name beta
    }

    It 'completes -Connection with the open connections' {
        CompletionText 'Get-BronzeFileList -Connection ' | Should -Contain 'alpha'
        CompletionText 'Get-BronzeFileList -Connection b' | Should -Be @('beta')
        CompletionText 'Disconnect-BronzeStorage al' | Should -Be @('alpha')
    }

    It 'completes -Backend with the registered backends' {
        CompletionText 'Connect-BronzeStorage -Backend ' | Should -Contain 'local'
        CompletionText 'Connect-BronzeStorage -Backend lo' | Should -Be @('local')
    }
}
